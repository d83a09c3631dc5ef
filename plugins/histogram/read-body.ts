/** The JSON body of /api/histogram (HttpJsonSerializer.parsePutV1 into HistogramPojo): one object or an array. */
import { ApiError } from '../../lib/opentsdb';
import type { HistogramPojo } from './write';
import { rawBodyText } from '../../lib/http';

export function readPojos(body: unknown): (HistogramPojo | null)[] {
  const text = rawBodyText(body).trim();
  if (text.length === 0) throw new ApiError(400, 'Missing request content');
  if (text[0] !== '{' && text[0] !== '[') throw new ApiError(400, 'The JSON must start as an object or an array');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'Unable to parse the given JSON', (err as Error).message);
  }
  const points = Array.isArray(parsed) ? parsed : [parsed];
  if (points.length === 0) throw new ApiError(400, 'No datapoints found in content');
  return points.map((p) => {
    if (p === null) return null;
    if (typeof p !== 'object' || Array.isArray(p)) throw new ApiError(400, 'Unable to parse the given JSON', `Cannot deserialize a histogram point from ${JSON.stringify(p)}`);
    return pojo(p as Record<string, unknown>);
  });
}

const bad = (field: string, v: unknown): ApiError => new ApiError(400, 'Unable to parse the given JSON', `"${field}" cannot be ${JSON.stringify(v)}`);

/** Jackson's binding: numbers and numeric strings for numbers, strings for names, a map of longs for buckets. */
function pojo(o: Record<string, unknown>): HistogramPojo {
  const num = (field: string): number | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return Math.trunc(v);
    if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return Number(v.trim());
    throw bad(field, v);
  };
  const str = (field: string): string | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw bad(field, v);
  };
  const out: HistogramPojo = { metric: str('metric'), timestamp: num('timestamp'), value: str('value'), id: num('id'), underflow: num('underflow'), overflow: num('overflow') };
  const tags = o.tags;
  if (tags !== undefined && tags !== null) {
    if (typeof tags !== 'object' || Array.isArray(tags)) throw bad('tags', tags);
    out.tags = Object.fromEntries(Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const buckets = o.buckets;
  if (buckets !== undefined && buckets !== null) {
    if (typeof buckets !== 'object' || Array.isArray(buckets)) throw bad('buckets', buckets);
    for (const [k, v] of Object.entries(buckets as Record<string, unknown>)) {
      if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw bad(`buckets.${k}`, v);
    }
    out.buckets = buckets as Record<string, unknown>;
  }
  return out;
}
