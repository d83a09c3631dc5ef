/**
 * The shape of an `/api/query` answer (OpenTSDB's QueryRpc): an array of results, each
 * with a `metric` string, a `tags` object of strings and `dps` — an object of timestamp →
 * value, or with `arrays` an array of [timestamp, value] pairs. Clients of a daemon
 * (`dsdb export/scan/query --url`) check it before reading, so that another server on the
 * port answering 200 gets a clear error, not a TypeError from deep inside the reader.
 */
import type { ExactJson } from './json-text';

/** One result of an /api/query answer, numbers as parsed by parseExactJson. */
export interface QueryAnswerResult {
  metric: string;
  tags: Record<string, string>;
  tsuids?: string[];
  dps: ExactJson[] | Record<string, ExactJson>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `body` is an /api/query answer (see the module's doc); an empty array is one. */
export function isQueryAnswer(body: unknown): body is QueryAnswerResult[] {
  return (
    Array.isArray(body) &&
    body.every(
      (r) =>
        isPlainObject(r) &&
        typeof r.metric === 'string' &&
        isPlainObject(r.tags) &&
        Object.values(r.tags).every((v) => typeof v === 'string') &&
        (Array.isArray(r.dps) ? r.dps.every((p) => Array.isArray(p) && p.length === 2) : isPlainObject(r.dps)),
    )
  );
}

/** Whether `body` is an array of strings (an /api/suggest answer). */
export function isStringArray(body: unknown): body is string[] {
  return Array.isArray(body) && body.every((v) => typeof v === 'string');
}
