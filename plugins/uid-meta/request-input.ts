/**
 * What a uid-meta request carries: a JSON body (POST/PUT/DELETE), else the query string —
 * OpenTSDB's endpoints take both. Errors in OpenTSDB's words.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError, firstJsonValueText } from '../../lib/opentsdb';
import type { UidKind } from '../../lib/uid';
import { rawBodyText } from '../../lib/http';

export function bodyText(request: FastifyRequest): string {
  return rawBodyText(request.body);
}

/** The request body as a JSON object, or undefined when there is no body. */
export function jsonObject(request: FastifyRequest): Record<string, unknown> | undefined {
  const text = bodyText(request);
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    // Jackson reads the first value and ignores the rest (firstJsonValueText)
    parsed = JSON.parse(firstJsonValueText(text));
  } catch (err) {
    throw new ApiError(400, 'Unable to parse the given JSON', (err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected a JSON object');
  return parsed as Record<string, unknown>;
}

export function queryString(request: FastifyRequest): Record<string, string | undefined> {
  const qs = request.query as Record<string, string | string[] | undefined>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(qs)) out[k] = Array.isArray(v) ? v[v.length - 1] : v;
  return out;
}

/** `?method_override=` as OpenTSDB honours it, else the HTTP method. */
export function methodOf(request: FastifyRequest): string {
  const override = queryString(request).method_override;
  return (override ?? request.method).toUpperCase();
}

/** OpenTSDB's `getRequiredQueryStringParam`: 400 "Missing parameter <code>NAME</code>". */
export function required(qs: Record<string, string | undefined>, name: string): string {
  const v = qs[name];
  if (v === undefined || v === '') throw new ApiError(400, `Missing parameter <code>${name}</code>`);
  return v;
}

/** `metric`, `tagk`, `tagv` in any case (OpenTSDB's `UniqueId.stringToUniqueIdType`); otherwise 400 with OpenTSDB's message (OpenTSDB: 500, docs/opentsdb-compat.md divergence 10). */
export function kindOf(type: string): UidKind {
  const t = type.toLowerCase();
  if (t === 'metric' || t === 'metrics' || t === 'tagk' || t === 'tagv') return t === 'metrics' ? 'metric' : t;
  throw new ApiError(400, `Invalid type requested: ${type}`);
}

/** The UID table's name of a kind in OpenTSDB's messages (`'metrics'`, `'tagk'`, `'tagv'`). */
export function tableKind(kind: UidKind): string {
  return kind === 'metric' ? 'metrics' : kind;
}

/**
 * A hex UID or TSUID, as UniqueId.stringToUid reads it: an odd length is padded with a
 * leading 0 (`00001` is UID 000001); non-hex text is a 400 with OpenTSDB's message (its
 * 500 from `DatatypeConverter.parseHexBinary`, divergence 10), naming the padded text.
 */
export function hexArgument(text: string): string {
  // an empty one names nothing; a longer one than any TSUID (8 tags) would not fit a MetaStore key
  if (text === '' || text.length > 1000) throw new ApiError(400, `Invalid UID: ${text.length === 0 ? 'empty' : `${text.length} characters`}`);
  const padded = text.length % 2 === 0 ? text : `0${text}`;
  if (!/^[0-9A-Fa-f]*$/.test(padded)) throw new ApiError(400, `java.lang.IllegalArgumentException: contains illegal character for hexBinary: ${padded}`);
  return padded.toUpperCase();
}

/** A UID as Java prints its byte array (`[0, 0, -1]`), for OpenTSDB's error details. */
export function javaBytes(hex: string): string {
  const bytes: number[] = [];
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = parseInt(hex.slice(i, i + 2), 16);
    bytes.push(b > 127 ? b - 256 : b);
  }
  return `[${bytes.join(', ')}]`;
}

export function methodNotAllowed(method: string, spaced = true): ApiError {
  return new ApiError(405, 'Method not allowed', `The HTTP method${spaced ? ' ' : ''}[${method}] is not permitted for this endpoint`);
}

/** `metric{k=v,…}` (the m= of /api/uid/tsmeta): metric and literal tag pairs as written. */
export function parseSeriesSpec(m: string): { metric: string; tags: [string, string][] } {
  const open = m.indexOf('{');
  if (open < 0) return { metric: m, tags: [] };
  const close = m.lastIndexOf('}');
  const inner = m.slice(open + 1, close < 0 ? undefined : close);
  const tags = inner
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return (eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)]) as [string, string];
    });
  return { metric: m.slice(0, open), tags };
}
