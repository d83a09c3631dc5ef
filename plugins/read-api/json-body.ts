/** Parses a raw JSON request body into an object, with OpenTSDB's error messages. */
import { ApiError, firstJsonValueText } from '../../lib/opentsdb';
import { rawBodyText } from '../../lib/http';

export function jsonBody(body: unknown, allowArray = false): Record<string, unknown> & { length?: number } {
  // Jackson reads the first value and ignores the rest (firstJsonValueText)
  const text = firstJsonValueText(rawBodyText(body));
  if (text.trim() === '') throw new ApiError(400, 'Missing message content', 'Supply valid JSON formatted data in the body of your request');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'Unable to parse the given JSON', (err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || (Array.isArray(parsed) && !allowArray)) {
    throw new ApiError(400, 'Unable to parse the given JSON', 'Expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}
