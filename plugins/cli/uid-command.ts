/**
 * `dsdb uid`: the names in the store (OpenTSDB's UIDs) — list, grep, rename. DSDB has no
 * separate UID table: names live in the series, so a rename moves the series' points to
 * the renamed series (write, flush, then delete the old ones: a crash in between leaves
 * both, never neither).
 */
import { CliExit, setTag, type CliCommand, type NameKind, type SeriesInfo, type StorageEngine, BatchBuilder } from '../../core';
import { validateName } from '../../lib/opentsdb';
import { baseUrl, parseFlags } from './args';
import { confirm } from './prompt';
import { suggestAnswer } from './remote';

const KINDS: readonly NameKind[] = ['metrics', 'tagk', 'tagv'];
const ALL_TIME = { start: 0, end: Number.MAX_SAFE_INTEGER };
const MAX_NAMES = 1_000_000_000;

const HELP = `Usage: dsdb uid list KIND [PREFIX]
       dsdb uid grep [KIND] REGEX
       dsdb uid rename KIND OLD NEW [--yes]

KIND is metrics, tagk or tagv.
  list     the names of KIND (starting with PREFIX), sorted, one per line
  grep     the names matching the regular expression; without KIND, every kind,
           printed as "KIND NAME"
  rename   move every series using OLD to the same series with NEW: all their points
           are written under the new name, then deleted under the old one. Asks first
           (--yes skips the question); refuses a NEW that already exists. The old name
           can stay listed (with no points) on engines that keep emptied series.

Options:
      --url URL      list/grep the names of the daemon at URL (its /api/suggest)
  -y, --yes          rename without asking
  -c, --config PATH  config file

Examples:
  dsdb uid list metrics sys.
  dsdb uid grep tagv '^web[0-9]+$'
  dsdb uid grep 'cpu'
  dsdb uid rename metrics sys.cpu.usr sys.cpu.user --yes

Exit codes: 0 ok (grep: also when nothing matched); 1 a failure (unknown OLD, NEW
exists); 2 bad usage (also a NEW with characters a put refuses).
`;

const NAME_WHAT: Record<NameKind, string> = { metrics: 'metric name', tagk: 'tag name', tagv: 'tag value' };

/**
 * Refuses a NEW name a put would refuse: rename writes to storage directly, past the
 * write path's checks, and would leave series that export prints and import rejects.
 */
function checkNewName(kind: NameKind, name: string): void {
  const error = validateName(NAME_WHAT[kind], name);
  if (error) throw new CliExit(`invalid NEW: ${error}`, 2);
}

function kindOf(word: string | undefined): NameKind {
  if (!KINDS.includes(word as NameKind)) throw new CliExit(`KIND must be metrics, tagk or tagv, not "${word ?? ''}"`, 2);
  return word as NameKind;
}

/** The series a rename touches. */
async function affected(storage: StorageEngine, kind: NameKind, old: string): Promise<SeriesInfo[]> {
  const out: SeriesInfo[] = [];
  if (kind === 'metrics') {
    for await (const s of storage.lookup({ metric: old })) out.push(s);
    return out;
  }
  for (const metric of await storage.suggest('metrics', '', MAX_NAMES)) {
    const predicates = kind === 'tagk' ? [{ key: old, test: (v: string | undefined) => v !== undefined }] : [];
    for await (const s of storage.lookup({ metric, predicates })) {
      if (kind === 'tagk' || Object.values(s.tags).includes(old)) out.push(s);
    }
  }
  return out;
}

function renamed(series: SeriesInfo, kind: NameKind, old: string, name: string): { metric: string; tags: Record<string, string> } {
  if (kind === 'metrics') return { metric: name, tags: { ...series.tags } };
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(series.tags)) {
    if (kind === 'tagk') setTag(tags, k === old ? name : k, v);
    else setTag(tags, k, v === old ? name : v);
  }
  return { metric: series.metric, tags };
}

function exactSelector(series: SeriesInfo) {
  const keys = Object.keys(series.tags);
  return {
    metric: series.metric,
    predicates: keys.map((key) => ({ key, literals: [series.tags[key]!], test: (v: string | undefined) => v === series.tags[key] })),
    explicitTagKeys: keys,
  };
}

async function rename(storage: StorageEngine, kind: NameKind, old: string, name: string, ask: () => Promise<boolean>, say: (line: string) => void): Promise<number> {
  if ((await storage.suggest(kind, name, 1))[0] === name) throw new CliExit(`${kind} "${name}" already exists: renaming onto it would merge series`);
  const series = await affected(storage, kind, old);
  if (series.length === 0) throw new CliExit(`no series uses ${kind} "${old}"`);
  if (!(await ask())) {
    say('not renamed');
    return 0;
  }
  let points = 0;
  // series with points moved: an emptied series (listed, no points, on engines that keep
  // them) is renamed away but not counted as moved
  let moved = 0;
  for (const s of series) {
    const target = renamed(s, kind, old, name);
    const before = points;
    for await (const { points: p } of storage.read(exactSelector(s), ALL_TIME)) {
      const batch = new BatchBuilder(p.length || 1);
      const index = batch.seriesOf(target.metric, target.tags);
      for (let i = 0; i < p.length; i++) batch.push(index, p.timestamps[i]!, p.kinds[i]! as never, p.floats[i]!, p.ints[i]!, p.texts[i]);
      await storage.write(batch.take());
      points += p.length;
    }
    if (points > before) moved++;
  }
  // only once the new series are durable are the old ones removed
  await storage.flush();
  for (const s of series) await storage.deleteRange(exactSelector(s), ALL_TIME);
  await storage.flush();
  say(`renamed ${kind} "${old}" to "${name}": moved ${points} point(s) of ${moved} series`);
  return 0;
}

export const uidCommand: CliCommand = {
  summary: 'list, grep and rename metric names, tag keys and tag values',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, { url: { type: 'string' }, yes: { type: 'boolean', short: 'y' } });
    const [action, ...rest] = positionals;
    const url = baseUrl(values.url);
    const names = async (kind: NameKind, prefix: string): Promise<string[]> =>
      url
        ? await suggestAnswer(`${url}/api/suggest?type=${kind}&q=${encodeURIComponent(prefix)}&max=${MAX_NAMES}`)
        : (await ctx.openStorage()).suggest(kind, prefix, MAX_NAMES);
    switch (action) {
      case 'list': {
        if (rest.length < 1 || rest.length > 2) throw new CliExit('usage: dsdb uid list KIND [PREFIX]', 2);
        for (const name of await names(kindOf(rest[0]), rest[1] ?? '')) ctx.stdout.write(name + '\n');
        return 0;
      }
      case 'grep': {
        if (rest.length < 1 || rest.length > 2) throw new CliExit('usage: dsdb uid grep [KIND] REGEX', 2);
        const kinds = rest.length === 2 ? [kindOf(rest[0])] : KINDS;
        let pattern: RegExp;
        try {
          pattern = new RegExp(rest[rest.length - 1]!);
        } catch (err) {
          throw new CliExit(`invalid REGEX: ${(err as Error).message}`, 2);
        }
        for (const kind of kinds) {
          for (const name of await names(kind, '')) if (pattern.test(name)) ctx.stdout.write(rest.length === 2 ? `${name}\n` : `${kind} ${name}\n`);
        }
        return 0;
      }
      case 'rename': {
        if (rest.length !== 3) throw new CliExit('usage: dsdb uid rename KIND OLD NEW', 2);
        if (url) throw new CliExit('rename works on the configured storage, not over --url', 2);
        const [kindWord, old, name] = rest as [string, string, string];
        const kind = kindOf(kindWord);
        checkNewName(kind, name);
        const storage = await ctx.openStorage();
        const ask = () => (values.yes ? Promise.resolve(true) : confirm(`rename ${kind} "${old}" to "${name}"?`, ctx.stdin, ctx.stderr));
        return rename(storage, kind, old, name, ask, (line) => ctx.stderr.write(line + '\n'));
      }
      default:
        throw new CliExit(action === undefined ? 'missing the action: list, grep or rename (see --help)' : `unknown action "${action}": list, grep or rename`, 2);
    }
  },
};
