/**
 * Reads the internal series of one rollup table and aggregator (lib/rollup
 * series-identity) as the user's series. `avg` pairs the `sum` and `count` series of each
 * tag set: per downsample bucket Σsum / Σcount (OpenTSDB's Downsampler over a rollup avg),
 * one point at the bucket's start, which the query's avg downsampler then keeps as is.
 */
import { ValueKind, type SeriesData, type SeriesSelector, type StorageEngine, type TimeRange } from '../../core';
import { rollupSeriesMetric } from '../../lib/rollup';
import type { SubQueryView } from '../../lib/query';

function asUserSeries(data: SeriesData, metric: string): SeriesData {
  return { series: { ...data.series, metric }, points: data.points };
}

function tagKey(tags: Record<string, string>): string {
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}\u0000${tags[k]}`)
    .join('\u0001');
}

function valueAt(p: SeriesData['points'], i: number): number {
  return p.kinds[i] === ValueKind.Int ? Number(p.ints[i]!) : p.floats[i]!;
}

export async function* readRollupSeries(
  storage: StorageEngine,
  table: string,
  aggregator: string,
  selector: SeriesSelector,
  scan: TimeRange,
  downsample: SubQueryView['downsample'],
): AsyncIterable<SeriesData> {
  const metric = selector.metric;
  if (aggregator !== 'avg') {
    for await (const data of storage.read({ ...selector, metric: rollupSeriesMetric(table, aggregator, metric) }, scan)) yield asUserSeries(data, metric);
    return;
  }
  // fixed intervals: buckets as the downsampler cuts them; calendar ones: each rollup point alone
  const interval = downsample && !downsample.calendar && downsample.intervalMs > 0 ? downsample.intervalMs : 0;
  const counts = new Map<string, SeriesData>();
  for await (const data of storage.read({ ...selector, metric: rollupSeriesMetric(table, 'count', metric) }, scan)) counts.set(tagKey(data.series.tags), data);
  for await (const sums of storage.read({ ...selector, metric: rollupSeriesMetric(table, 'sum', metric) }, scan)) {
    const count = counts.get(tagKey(sums.series.tags));
    if (!count) continue;
    const byTime = new Map<number, number>();
    for (let i = 0; i < count.points.length; i++) byTime.set(count.points.timestamps[i]!, valueAt(count.points, i));
    const out: { ts: number; sum: number; count: number }[] = [];
    for (let i = 0; i < sums.points.length; i++) {
      const ts = sums.points.timestamps[i]!;
      const c = byTime.get(ts);
      if (c === undefined) continue;
      const bucket = interval > 0 ? ts - (((ts % interval) + interval) % interval) : ts;
      const last = out[out.length - 1];
      if (last && last.ts === bucket) {
        last.sum += valueAt(sums.points, i);
        last.count += c;
      } else {
        out.push({ ts: bucket, sum: valueAt(sums.points, i), count: c });
      }
    }
    const n = out.length;
    const points = { length: n, timestamps: new Float64Array(n), kinds: new Uint8Array(n).fill(ValueKind.Float), floats: new Float64Array(n), ints: new BigInt64Array(n), texts: new Array<string | undefined>(n) };
    out.forEach((o, i) => {
      points.timestamps[i] = o.ts;
      points.floats[i] = o.count === 0 ? 0 : o.sum / o.count;
    });
    yield { series: { ...sums.series, metric }, points };
  }
}
