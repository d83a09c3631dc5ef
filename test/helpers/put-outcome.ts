/**
 * What an `/api/put` body format makes of a body, in a form two readers can be compared
 * by (the byte-level readers against their exact references): the thrown error, or the
 * collector's counts and errors and each point as text (the value of its kind only: a
 * reader may leave the other columns as they were).
 */
import { BatchBuilder } from '../../core/batch-builder';
import { ValueKind } from '../../core/types';
import { PutCollector } from '../../lib/opentsdb/put-collector';

export type PutOutcome = { error: string } | { success: number; failed: number; errors: unknown; points: string[] };

export function putOutcome(decode: (body: Buffer, c: PutCollector) => void, body: Buffer): PutOutcome {
  const collector = new PutCollector(new BatchBuilder(4), true);
  try {
    decode(body, collector);
  } catch (err) {
    const e = err as { status?: number; message: string };
    return { error: `${e.status} ${e.message}` };
  }
  const b = collector.batch.take();
  const points: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const s = b.seriesIndex[i]!;
    const value = b.kinds[i] === ValueKind.Int ? b.ints[i]!.toString() : b.kinds[i] === ValueKind.Float ? (Object.is(b.floats[i], -0) ? '-0' : String(b.floats[i])) : b.texts[i];
    points.push([b.seriesKeys[s], JSON.stringify(b.series[s]), b.timestamps[i], b.kinds[i], value].join('|'));
  }
  return { success: collector.success, failed: collector.failed, errors: collector.errors, points };
}
