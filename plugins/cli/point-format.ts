/**
 * Points as text in the two formats `dsdb import` reads, chosen so that reading them
 * back gives the same value of the same kind:
 *  - import lines (OpenTSDB's `metric timestamp value tagk=tagv…`): integers as digits,
 *    floats always with a `.` or an exponent (`1.0`, `1e+21`), strings as a JSON string
 *    token, JSON values as their canonical text;
 *  - JSON lines of `/api/put` points, the value written as /api/put reads it.
 * Timestamps are seconds when whole (as OpenTSDB exports), milliseconds otherwise.
 */
import { setTag, ValueKind, type Tags } from '../../core';

export type LineFormat = 'import' | 'json';

/** A float as text that reads back as the same double and as a float. */
export function floatText(x: number): string {
  const s = String(x);
  if (Object.is(x, -0)) return '-0.0';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e || c === 0x65) return s;
  }
  return s + '.0';
}

export function timestampText(ms: number): string {
  // Whole seconds up to 2^32-1 read back as seconds; anything else as milliseconds.
  return ms % 1000 === 0 && ms / 1000 <= 0xffffffff ? String(ms / 1000) : String(ms);
}

/** The value as an import-line word (telnet put's value syntax). */
export function valueWord(kind: number, float: number, int: bigint, text: string | undefined): string {
  if (kind === ValueKind.Int) return int.toString();
  if (kind === ValueKind.Float) return floatText(float);
  if (kind === ValueKind.String) return JSON.stringify(text);
  return text!; // canonical JSON object text
}

/** The value as /api/put's JSON reads it: numbers as numbers, a string as the text of its token, JSON as an object. */
export function valueJson(kind: number, float: number, int: bigint, text: string | undefined): string {
  if (kind === ValueKind.String) return JSON.stringify(JSON.stringify(text));
  return valueWord(kind, float, int, text);
}

/** Per-series parts of a line, built once per series so a point costs two concatenations. */
export function seriesAffixes(format: LineFormat, metric: string, tags: Tags): { prefix: string; suffix: string } {
  const keys = Object.keys(tags).sort();
  if (format === 'import') {
    let suffix = '';
    for (const k of keys) suffix += ` ${k}=${tags[k]}`;
    return { prefix: metric + ' ', suffix: suffix + '\n' };
  }
  const sorted: Record<string, string> = {};
  for (const k of keys) setTag(sorted, k, tags[k]!);
  return { prefix: `{"metric":${JSON.stringify(metric)},"timestamp":`, suffix: `,"tags":${JSON.stringify(sorted)}}\n` };
}

/** One point as a line of `format`, from its series' affixes. */
export function pointLine(format: LineFormat, affixes: { prefix: string; suffix: string }, ms: number, kind: number, float: number, int: bigint, text: string | undefined): string {
  if (format === 'import') return affixes.prefix + timestampText(ms) + ' ' + valueWord(kind, float, int, text) + affixes.suffix;
  return affixes.prefix + timestampText(ms) + ',"value":' + valueJson(kind, float, int, text) + affixes.suffix;
}
