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
