/**
 * DSDB's data model, shared by every plugin.
 *
 * A data point is a metric name, a UNIX timestamp (kept in milliseconds inside DSDB),
 * a value and a set of tags. Values are one of four kinds; 64-bit integers are kept as
 * `bigint` wherever a single value travels, and as `BigInt64Array` in columns, so they
 * never pass through a JS number and stay exact beyond 2^53.
 */

/** Value kinds, as stored in `Uint8Array` kind columns. */
export const ValueKind = {
  Int: 1,
  Float: 2,
  String: 3,
  Json: 4,
} as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/** JSON objects are stored as canonical JSON text; this is their decoded form. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** One value, tagged with its kind. */
export type Value =
  | { kind: typeof ValueKind.Int; value: bigint }
  | { kind: typeof ValueKind.Float; value: number }
  | { kind: typeof ValueKind.String; value: string }
  | { kind: typeof ValueKind.Json; value: string /* canonical JSON text of an object */ };

export type Tags = Readonly<Record<string, string>>;

/** A series is identified by its metric and full tag set. */
/**
 * Sets `tags[key] = value` as an own property whatever the key: `__proto__` is a valid tag
 * key (OpenTSDB's name rules allow it), and assigning it to an ordinary object would set
 * the object's prototype instead (a string is ignored there), dropping the tag.
 */
export function setTag(tags: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
  else tags[key] = value;
}

export interface SeriesKey {
  metric: string;
  tags: Tags;
}

/** One point as the slow paths (tests, CLI, single-point APIs) see it. */
export interface DataPoint extends SeriesKey {
  /** milliseconds since the UNIX epoch */
  timestamp: number;
  value: Value;
}

/**
 * The canonical key string of a series: `metric{k1=v1,k2=v2}` with keys sorted.
 * Ingest paths build it once per line and use it to find the series id, so it must be
 * cheap and stable; the characters OpenTSDB allows in names contain none of `{},=`.
 */
export function seriesKeyString(metric: string, tags: Tags): string {
  const keys = Object.keys(tags).sort();
  let out = metric + '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += keys[i] + '=' + tags[keys[i]!];
  }
  return out + '}';
}
