/** Builds a PointBatch from plain points: the slow, obvious way, for tests and tools. */
import type { PointBatch } from '../storage';
import { seriesKeyString, ValueKind, type DataPoint } from '../types';

export function pointBatch(points: readonly DataPoint[]): PointBatch {
  const keys = new Map<string, number>();
  const batch: PointBatch = {
    length: points.length,
    series: [],
    seriesKeys: [],
    seriesIndex: new Uint32Array(points.length),
    timestamps: new Float64Array(points.length),
    kinds: new Uint8Array(points.length),
    floats: new Float64Array(points.length),
    ints: new BigInt64Array(points.length),
    texts: new Array(points.length).fill(undefined),
  };
  points.forEach((p, i) => {
    const key = seriesKeyString(p.metric, p.tags);
    let index = keys.get(key);
    if (index === undefined) {
      index = batch.series.length;
      keys.set(key, index);
      batch.series.push({ metric: p.metric, tags: p.tags });
      batch.seriesKeys.push(key);
    }
    batch.seriesIndex[i] = index;
    batch.timestamps[i] = p.timestamp;
    batch.kinds[i] = p.value.kind;
    if (p.value.kind === ValueKind.Int) batch.ints[i] = p.value.value;
    else if (p.value.kind === ValueKind.Float) batch.floats[i] = p.value.value;
    else batch.texts[i] = p.value.value;
  });
  return batch;
}
