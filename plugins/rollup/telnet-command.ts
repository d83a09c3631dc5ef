/**
 * The telnet `rollup` command (OpenTSDB 2.4's RollupDataPointRpc.importDataPoint):
 *
 *   rollup <interval>-<aggregator>[:<groupby aggregator>] <metric> <timestamp> <value> <tagk=tagv> …
 *   rollup <groupby aggregator> <metric> <timestamp> <value> <tagk=tagv> …     (pre-aggregate only)
 *
 * e.g. `rollup 1h-sum sys.cpu 1700000000 42 host=a`. Silent on success; an error is one
 * line `rollup: …` in OpenTSDB's words. Like `put`, the points of one received packet
 * gather in the connection's batch and go through the writer once per packet
 * (`endOfInput`), which also pauses a client that writes faster than storage.
 */
import { BatchBuilder, DsdbError, ValueKind, type Aggregator, type Registry, type WriteService } from '../../core';

type Tags = Record<string, string>;
import { formatTagMap, newValueSlot, parseLongError, parseValueText } from '../../lib/opentsdb';
import type { TelnetCommand, TelnetConnection } from '../../lib/telnet';
import { admitAggregatePoint, type RollupSettings } from './admit';

/** Tags.parse: one `k=v` word into `tags`; OpenTSDB's message when it is not one. */
function parseTag(tags: Tags, word: string): string | undefined {
  const eq = word.indexOf('=');
  if (eq <= 0 || eq === word.length - 1 || word.indexOf('=', eq + 1) >= 0) return `invalid tag: ${word}`;
  const key = word.slice(0, eq);
  const value = word.slice(eq + 1);
  if (tags[key] !== undefined) return `duplicate tag: ${word}, tags=${formatTagMap(tags)}`;
  tags[key] = value;
  return undefined;
}

export function rollupCommand(settings: () => RollupSettings, writer: WriteService, aggregators: () => Registry<Aggregator>, stats: { points: number; failed: number }): TelnetCommand {
  const slot = newValueSlot();
  const batches = new WeakMap<TelnetConnection, BatchBuilder>();
  /** The point's reply line on failure, undefined when it joined the batch. */
  function admit(words: string[], batch: BatchBuilder): string | undefined {
    if (words.length < 6) return `rollup: illegal argument: not enough arguments (need least 7, got ${words.length - 1})`;
    const intervalAgg = words[1]!;
    if (intervalAgg === '') return 'rollup: illegal argument: Missing interval or aggregator';
    // a `-` names interval and aggregator; a `:` adds the group-by aggregator; neither: group-by only
    const parts = intervalAgg.split(':');
    let interval: string | undefined;
    let aggregator: string | undefined;
    let groupBy: string | undefined;
    const dash = parts[0]!.indexOf('-');
    if (dash > -1) {
      interval = parts[0]!.slice(0, dash);
      aggregator = parts[0]!.slice(dash + 1);
    } else if (parts.length === 1) {
      groupBy = parts[0];
    }
    if (parts.length > 1) groupBy = parts[1];
    const metric = words[2]!;
    if (metric.length === 0) return 'rollup: illegal argument: empty metric name';
    const tsText = words[3]!.includes('.') ? words[3]!.replace(/\./g, '') : words[3]!;
    const tsError = parseLongError(tsText);
    if (tsError) return `rollup: invalid value: ${tsError}`;
    const timestamp = Number(tsText);
    if (timestamp <= 0) return `rollup: illegal argument: invalid timestamp: ${tsText}`;
    const value = words[4]!;
    if (value.length === 0) return 'rollup: illegal argument: empty value';
    const tags: Tags = {};
    for (let i = 5; i < words.length; i++) {
      if (words[i] === '') continue;
      const bad = parseTag(tags, words[i]!);
      if (bad) return `rollup: illegal argument: ${bad}`;
    }
    if (groupBy !== undefined && aggregator === undefined) aggregator = groupBy;
    const valueError = parseValueText(value, slot);
    if (valueError || (slot.kind !== ValueKind.Int && slot.kind !== ValueKind.Float)) {
      return `rollup: invalid value: ${valueError?.kind === 'number' ? valueError.message : `For input string: "${value}"`}`;
    }
    const refused = admitAggregatePoint(
      {
        metric,
        timestamp,
        timestampText: tsText,
        kind: slot.kind,
        int: slot.int,
        float: slot.float,
        tags,
        isGroupBy: groupBy !== undefined,
        ...(interval !== undefined ? { interval } : {}),
        ...(aggregator !== undefined ? { aggregator } : {}),
        ...(groupBy !== undefined ? { groupByAggregator: groupBy } : {}),
      },
      settings(),
      aggregators(),
      batch,
    );
    if (refused) return refused.unknownInterval ? `rollup: No such rollup: ${refused.message}` : `rollup: illegal argument: ${refused.message}`;
    return undefined;
  }
  return {
    description: 'rollup <interval>-<agg>[:<groupby agg>] <metric> <timestamp> <value> <tagk=tagv>…: store a rollup or pre-aggregated point',
    scope: 'write',
    execute(words: string[], connection: TelnetConnection) {
      let batch = batches.get(connection);
      if (!batch) batches.set(connection, (batch = new BatchBuilder(64)));
      const error = admit(words, batch);
      if (error === undefined) stats.points++;
      else {
        stats.failed++;
        connection.writeLine(error);
      }
    },
    endOfInput(connection: TelnetConnection) {
      const batch = batches.get(connection);
      if (!batch || batch.length === 0) return undefined;
      return writer.write(batch.take(), { source: 'telnet-rollup', sync: false }).then(
        () => undefined,
        (err: Error) => {
          const message = err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE' ? 'No storage engine is configured' : err.message;
          connection.writeLine(`rollup: Storage error: ${message}`);
        },
      );
    },
  };
}
