/**
 * The order in which a cut or a compaction lays series out in a block: by metric (names in
 * code-unit order), and by id within a metric.
 *
 * Why: a query names one metric, and reads its series' chunks through the block's
 * read-ahead window (block.ts). In id order — the order series were first written, a host's
 * metrics one after another — a metric's chunks were spread over the whole block, so each
 * per-metric query read every window of it (ten metrics: ten times the bytes). Prometheus'
 * blocks keep series sorted by their labels, the metric name first, for the same reason.
 * Readers never depend on the order (each chunk reference names its series); blocks
 * written in id order read as before.
 */
import type { SeriesEntry } from './series-index';

const TWO_TO_32 = 2 ** 32;

/**
 * Sorts `entries` (in id order: a cut's frozen series, a compaction's) in place into
 * block order and returns them. A native sort of numbers (metric rank × 2^32 + position),
 * not a comparator over strings: a cut sorts every series it freezes.
 */
export function inBlockOrder(entries: SeriesEntry[]): SeriesEntry[] {
  const n = entries.length;
  if (n < 2) return entries;
  const rank = new Map<string, number>();
  for (const entry of entries) rank.set(entry.info.metric, 0);
  if (rank.size === 1) return entries;
  let r = 0;
  for (const metric of [...rank.keys()].sort()) rank.set(metric, r++);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = rank.get(entries[i]!.info.metric)! * TWO_TO_32 + i;
  keys.sort();
  const byId = entries.slice();
  for (let i = 0; i < n; i++) entries[i] = byId[keys[i]! % TWO_TO_32]!;
  return entries;
}
