/**
 * Reading a field of a parsed JSON request body as text. `String(value)` on an object
 * gives "[object Object]", and on one with a `toString` key throws "Cannot convert
 * object to primitive value" (a 500); OpenTSDB's Jackson refuses both with a 400.
 */
import { ApiError } from './api-error';

/** The field as text: strings, numbers and booleans as written; an object or array is a 400. */
export function jsonText(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return '';
  throw new ApiError(400, 'Unable to parse the given JSON', `"${field}" must be a string, not ${Array.isArray(value) ? 'an array' : 'an object'}`);
}

/** Like jsonText, but undefined for a missing (undefined or null) field. */
export function optionalJsonText(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : jsonText(value, field);
}

const LONG_RANGE = '(-9223372036854775808 - 9223372036854775807)';
const INT_RANGE = '(-2147483648 - 2147483647)';

/**
 * A Java `long` (`bits` 64) or `int` (32) field as OpenTSDB's Jackson binds it: a number,
 * its fraction dropped (ACCEPT_FLOAT_AS_INT), or a string holding an integer; a number past
 * the type's range, other text, a boolean, an object or an array fail the JSON (400
 * `Unable to parse the given JSON`). Measured on OpenTSDB 2.4.1 (`created`, `retention`).
 * The body was parsed by JSON.parse, so a range is checked on the double nearest the text.
 */
export function jsonInteger(value: unknown, field: string, bits: 32 | 64): number {
  const max = bits === 64 ? 2 ** 63 : 2 ** 31;
  const range = bits === 64 ? LONG_RANGE : INT_RANGE;
  const type = bits === 64 ? 'long' : 'int';
  if (typeof value === 'number') {
    // the range is checked before the fraction is dropped: 2147483647.9 is past an int's
    if (!(value >= -max && (bits === 64 ? value < max : value <= max - 1))) throw new ApiError(400, 'Unable to parse the given JSON', `"${field}": Numeric value (${value}) out of range of ${type} ${range}`);
    return Math.trunc(value);
  }
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) {
    const n = BigInt(value.trim());
    if (n < -BigInt(max) || n >= BigInt(max)) throw new ApiError(400, 'Unable to parse the given JSON', `"${field}": Numeric value (${value.trim()}) out of range of ${type} ${range}`);
    return Number(n);
  }
  throw new ApiError(400, 'Unable to parse the given JSON', `"${field}" must be an integer (a Java ${type}), got ${typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : typeof value}`);
}
