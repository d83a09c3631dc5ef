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

/**
 * Sorts `entries` (in id order: a cut's frozen series, a compaction's) in place into
 * block order and returns them: a counting sort by the metric's rank, stable, so each
 * metric's series keep their id order. Linear, and no string comparator: a cut sorts
 * every series it freezes. (A sort of packed `rank × 2^32 + position` doubles lost
 * positions past 2^53, with over two million metric names in one block.)
 */
export function inBlockOrder(entries: SeriesEntry[]): SeriesEntry[] {
  const n = entries.length;
  if (n < 2) return entries;
  const rank = new Map<string, number>();
  for (const entry of entries) rank.set(entry.info.metric, 0);
  const metrics = rank.size;
  if (metrics === 1) return entries;
  let r = 0;
  for (const metric of [...rank.keys()].sort()) rank.set(metric, r++);
  // starts[k]: where rank k's series begin in block order
  const ranks = new Uint32Array(n);
  const starts = new Uint32Array(metrics + 1);
  for (let i = 0; i < n; i++) {
    const k = rank.get(entries[i]!.info.metric)!;
    ranks[i] = k;
    starts[k + 1]!++;
  }
  for (let k = 1; k <= metrics; k++) starts[k] = starts[k]! + starts[k - 1]!;
  const inIdOrder = entries.slice();
  for (let i = 0; i < n; i++) entries[starts[ranks[i]!]!++] = inIdOrder[i]!;
  return entries;
}
