/**
 * Reads a value as text, the way OpenTSDB's put reads it (Tags.looksLikeInteger, then
 * Tags.parseLong or Double.parseDouble), plus DSDB's two extensions that no valid
 * OpenTSDB value can mean, since OpenTSDB rejects a leading `"` or `{`:
 *  - a JSON string token, `"disk \"sda\" full"`, is a string value;
 *  - a JSON object token, `{"a":{"b":[1,2]}}`, is a JSON value (stored canonical).
 */
import { ValueKind } from '../../core/types';
import { parseJavaDouble } from './java-double';
import { canonicalJson, isJsonObject, JsonSyntaxError, parseExactJson } from './json-text';
import { parseLongError } from './rules';

/** Where a parsed value lands; reused across points so parsing allocates nothing extra. */
export interface ValueSlot {
  kind: ValueKind;
  int: bigint;
  float: number;
  text: string | undefined;
}

export function newValueSlot(): ValueSlot {
  return { kind: ValueKind.Float, int: 0n, float: 0, text: undefined };
}

/**
 * Why a value was refused: `number` is OpenTSDB's NumberFormatException (telnet says
 * `invalid value:`, /api/put says `Unable to parse value to a number`); `syntax` is a
 * malformed string or JSON token of DSDB's extension.
 */
export type ValueErrorKind = 'number' | 'syntax';

export interface ValueError {
  kind: ValueErrorKind;
  message: string;
}

/** Parses `s` (non-empty) into `out`; returns an error or undefined. */
export function parseValueText(s: string, out: ValueSlot): ValueError | undefined {
  const first = s.charCodeAt(0);
  if (first === 0x22) return parseStringToken(s, out);
  if (first === 0x7b) return parseJsonToken(s, out);
  if (!hasFloatMarker(s)) {
    const message = parseLongError(s);
    if (message) return { kind: 'number', message };
    out.kind = ValueKind.Int;
    out.int = BigInt(s);
    out.float = 0;
    out.text = undefined;
    return undefined;
  }
  // Java's Double.parseDouble: a trailing type suffix (1.5f, 1.5d), hexadecimal (0x1.8p1)
  const parsed = parseJavaDouble(s);
  // NaN can only be written without a float marker (parsed as a long above, and refused)
  if (parsed.error !== undefined || Number.isNaN(parsed.value)) return { kind: 'number', message: parsed.error ?? `For input string: "${s}"` };
  out.kind = ValueKind.Float;
  out.float = parsed.value;
  out.int = 0n;
  out.text = undefined;
  return undefined;
}

/** A text value's number fields are unused: cleared, so that a batch's columns depend only on its points, not on the line before. */
function clearNumbers(out: ValueSlot): void {
  out.float = 0;
  out.int = 0n;
}

function hasFloatMarker(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e || c === 0x65 || c === 0x45) return true;
  }
  return false;
}

/**
 * The index of the first lone surrogate in `s` (a UTF-16 half without its other half, as
 * the escape `\ud800` alone gives), or -1. No UTF-8 holds one: stored, it would come back
 * as U+FFFD after a restart, so string values with one are refused.
 */
export function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

export function parseStringToken(s: string, out: ValueSlot): ValueError | undefined {
  try {
    const value = JSON.parse(s) as unknown;
    if (typeof value !== 'string') return { kind: 'syntax', message: `Invalid string value: ${s}` };
    const lone = loneSurrogateAt(value);
    if (lone >= 0) return { kind: 'syntax', message: `Invalid string value (a lone surrogate \\u${value.charCodeAt(lone).toString(16)} at character ${lone} is not Unicode text): ${s}` };
    out.kind = ValueKind.String;
    out.text = value;
    clearNumbers(out);
    return undefined;
  } catch (err) {
    return { kind: 'syntax', message: `Invalid string value (${(err as Error).message}): ${s}` };
  }
}

export function parseJsonToken(s: string, out: ValueSlot): ValueError | undefined {
  try {
    const value = parseExactJson(s);
    if (!isJsonObject(value)) return { kind: 'syntax', message: `Invalid JSON value: not an object: ${s}` };
    out.kind = ValueKind.Json;
    out.text = canonicalJson(value);
    clearNumbers(out);
    return undefined;
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { kind: 'syntax', message: `Invalid JSON value (${err.message}): ${s}` };
  }
}
