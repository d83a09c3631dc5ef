/**
 * The reference for tests of the put-line paths (the parse worker, parseLines): `parse`
 * called line by line, and a batch written out point by point so that two batches compare
 * with deep.equal.
 */
import { BatchBuilder } from '../../core/batch-builder';
import type { PointBatch } from '../../core/storage';
import { ValueKind } from '../../core/types';
import type { PutLineParser } from '../../lib/opentsdb/put-line-parser';

/** Each point as `key|series|timestamp|kind|float|int|text` (a float -0 as `-0`). */
export function describeBatch(b: PointBatch | undefined): string[] {
  if (!b) return [];
  const out: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const s = b.seriesIndex[i]!;
    // a value is read from the column its kind names (PointBatch): the other may hold its bytes too (BatchBuilder.takePacked)
    const kind = b.kinds[i]!;
    const float = kind === ValueKind.Float ? b.floats[i]! : 0;
    const int = kind === ValueKind.Int ? b.ints[i]! : 0n;
    out.push([b.seriesKeys[s], JSON.stringify(b.series[s]), b.timestamps[i], kind, Object.is(float, -0) ? '-0' : float, int, b.texts[i]].join('|'));
  }
  return out;
}

/** `parser.parse` on each line of `text` (`\n` or `\r\n`; the last may lack its `\n`): its points and error lines. */
export function parseLineByLine(parser: PutLineParser, text: Buffer): { points: string[]; errors: string[] } {
  const builder = new BatchBuilder(8);
  const errors: string[] = [];
  let start = 0;
  while (start < text.length) {
    let newline = text.indexOf(0x0a, start);
    if (newline < 0) newline = text.length;
    let end = newline;
    if (end > start && text[end - 1] === 0x0d) end--;
    const error = parser.parse(text, start, end, builder);
    if (error !== undefined) errors.push(error);
    start = newline + 1;
  }
  return { points: describeBatch(builder.take()), errors };
}
