/** Reads points back through the storage engine's read API, as plain rows for assertions. */
import { ValueKind, type StorageEngine, type Tags } from '../../core';
import type { RunningDaemon } from './daemon';

export interface StoredPoint {
  metric: string;
  tags: Tags;
  timestamp: number;
  /** bigint for ints, number for floats, string for strings, canonical JSON text for JSON */
  value: bigint | number | string;
  kind: 'int' | 'float' | 'string' | 'json';
}

const KIND_NAMES = { [ValueKind.Int]: 'int', [ValueKind.Float]: 'float', [ValueKind.String]: 'string', [ValueKind.Json]: 'json' } as const;

export function storageOf(daemon: RunningDaemon): StorageEngine {
  return daemon.kernel.container.resolve('storage');
}

/** Every point of `metric` (all series, in series then time order). */
export async function readPoints(daemon: RunningDaemon, metric: string): Promise<StoredPoint[]> {
  const out: StoredPoint[] = [];
  for await (const { series, points } of storageOf(daemon).read({ metric }, { start: 0, end: Number.MAX_SAFE_INTEGER })) {
    for (let i = 0; i < points.length; i++) {
      const kind = points.kinds[i] as ValueKind;
      const value = kind === ValueKind.Int ? points.ints[i]! : kind === ValueKind.Float ? points.floats[i]! : points.texts[i]!;
      out.push({ metric: series.metric, tags: { ...series.tags }, timestamp: points.timestamps[i]!, value, kind: KIND_NAMES[kind] });
    }
  }
  return out;
}

/** Total points stored across the given metrics. */
export async function countPoints(daemon: RunningDaemon, metrics: Iterable<string>): Promise<number> {
  let n = 0;
  for (const metric of metrics) n += (await readPoints(daemon, metric)).length;
  return n;
}
