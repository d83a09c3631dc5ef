/**
 * `dsdb treesync`: runs every series that has a TSMeta through every enabled tree, storing
 * branches and leaves — OpenTSDB's `tsdb uid treesync`, for series written before a tree
 * existed or before tree processing was enabled. Works on the storage directly (stop the
 * daemon first for the embedded engine).
 */
import type { CliCommand } from '../../core';
import { metaRecordsFor } from '../../lib/uid';
import { lookupSeries } from './series-meta';
import { processAllTrees } from './processor';
import { TreeStore } from './store';

const HELP = `Usage: dsdb treesync [-c PATH]

Runs every series with a TSMeta through every enabled tree (OpenTSDB's
"tsdb uid treesync"): their branches and leaves are stored; collisions and
not-matched series are recorded for trees with storeFailures.

Options:
  -c, --config PATH  config file

Example:
  dsdb treesync

Exit codes: 0 ok; 1 a failure; 2 bad usage.
`;

export const treesyncCommand: CliCommand = {
  summary: 'run existing series through the enabled trees (OpenTSDB treesync)',
  help: HELP,
  async run(args, context) {
    if (args.length > 0) {
      context.stderr.write(`treesync takes no arguments\n${HELP}`);
      return 2;
    }
    const engine = await context.openStorage();
    const store = new TreeStore(() => engine.meta);
    const trees = (await store.trees()).filter((t) => t.enabled);
    if (trees.length === 0) {
      context.stdout.write('no enabled trees\n');
      return 0;
    }
    const records = metaRecordsFor(engine);
    let series = 0;
    let leaves = 0;
    for await (const tsuid of records.tsuids()) {
      const found = await lookupSeries(records, tsuid);
      if (found.kind !== 'found') continue;
      series++;
      for (const outcome of await processAllTrees(store, found.view, trees)) if (outcome.leafBranch && !outcome.collidedWith) leaves++;
    }
    context.stdout.write(`processed ${series} series through ${trees.length} tree(s), ${leaves} leaves\n`);
    return 0;
  },
};
