/**
 * OpenTSDB 2.x's write-path rules (Tags.java, TSDB.checkTimestampAndTags,
 * IncomingDataPoints.checkMetricAndTags), shared by every ingest transport so each
 * answers bad input with the same exact messages. Messages are built only on the error
 * path; the checks themselves allocate nothing.
 */

/** Const.MAX_NUM_TAGS / tsd.storage.max_tags */
export const MAX_TAGS = 8;
/** Largest value the write path reads as seconds (a larger one is milliseconds). */
export const MAX_SECONDS = 0xffffffff;
/** Largest millisecond timestamp accepted (13 digits). */
export const MAX_MILLISECONDS = 9999999999999;

/** ASCII bytes OpenTSDB allows in names: a-z A-Z 0-9 - _ . / */
export const ALLOWED_ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  ALLOWED_ASCII[c] = /[a-zA-Z0-9\-_./]/.test(ch) ? 1 : 0;
}
const LETTER = /^\p{L}$/u;

/** The first character of `s` OpenTSDB rejects in a name, or undefined when all pass. */
export function illegalNameChar(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (ALLOWED_ASCII[c] === 0) return s[i];
      continue;
    }
    // Character.isLetter, per code point (surrogate pairs included)
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!LETTER.test(ch)) return ch;
    if (cp > 0xffff) i++;
  }
  return undefined;
}

/**
 * `s` with every character OpenTSDB rejects replaced by `_` (for names from systems
 * with other rules, e.g. Prometheus' `:`); `s` itself when it is already valid.
 */
export function sanitizeName(s: string): string {
  if (illegalNameChar(s) === undefined) return s;
  let out = '';
  for (const ch of s) out += illegalNameChar(ch) === undefined ? ch : '_';
  return out;
}

/** Tags.validateString's message, or undefined when the name is valid. */
export function validateName(what: string, s: string): string | undefined {
  if (s.length === 0) return `Invalid ${what}: empty string`;
  const bad = illegalNameChar(s);
  return bad === undefined ? undefined : `Invalid ${what} ("${s}"): illegal character: ${bad}`;
}

/**
 * A plain-object copy of tags gathered in a prototype-less map (where `constructor` or
 * `__proto__` are safe keys), for storage engines that expect ordinary objects.
 */
export function plainTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in tags) {
    if (key === '__proto__') Object.defineProperty(out, key, { value: tags[key], enumerable: true, writable: true, configurable: true });
    else out[key] = tags[key]!;
  }
  return out;
}

/** Java's HashMap.toString rendering, `{k=v, k2=v2}` (insertion order here). */
export function formatTagMap(tags: Readonly<Record<string, string>>): string {
  let out = '{';
  let first = true;
  for (const key in tags) {
    if (!first) out += ', ';
    out += key + '=' + tags[key];
    first = false;
  }
  return out + '}';
}

/**
 * IncomingDataPoints.checkMetricAndTags: tag count, then metric name, then each tag.
 * Returns OpenTSDB's IllegalArgumentException message, or undefined.
 */
export function checkMetricAndTags(metric: string, tags: Readonly<Record<string, string>>, tagCount: number, maxTags = MAX_TAGS): string | undefined {
  if (tagCount <= 0) return `Need at least one tag (metric=${metric}, tags=${formatTagMap(tags)})`;
  if (tagCount > maxTags) return `Too many tags: ${tagCount} maximum allowed: ${maxTags}, tags: ${formatTagMap(tags)}`;
  const metricError = validateName('metric name', metric);
  if (metricError) return metricError;
  for (const key in tags) {
    const value = tags[key]!;
    const keyError = validateName(`tag name with value [${value}]`, key);
    if (keyError) return keyError;
    const valueError = validateName(`tag value with key [${key}]`, value);
    if (valueError) return valueError;
  }
  return undefined;
}

/** Java's `Integer.parseInt` of `text` (optional sign, decimal digits, 32-bit range), or undefined where it throws. */
export function parseJavaInt(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/**
 * Tags.parseLong's NumberFormatException message for `s`, or undefined when `s` is a
 * valid signed 64-bit decimal. Only called on the error path or for long numbers.
 */
export function parseLongError(s: string): string | undefined {
  const n = s.length;
  if (n === 0) return 'Empty string';
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 0x2b || c0 === 0x2d) {
    if (n === 1) return `Just a sign, no value: ${s}`;
    if (n > 20) return `Value too long: ${s}`;
    i = 1;
  } else if (n > 19) {
    return `Value too long: ${s}`;
  }
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return `Invalid character '${s[i]}' in ${s}`;
  }
  // up to 18 digits cannot overflow; only 19-digit values need the exact comparison
  if (n - (c0 === 0x2b || c0 === 0x2d ? 1 : 0) < 19) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return `Overflow in ${s}`;
  return undefined;
}

/** The int64 value of a string parseLongError accepted. */
export function parseLongValue(s: string): bigint {
  return BigInt(s);
}

/** Write-path unit rule: seconds up to 2^32-1, milliseconds above (by magnitude, not digits). */
export function toMilliseconds(timestamp: number): number {
  return timestamp <= MAX_SECONDS ? timestamp * 1000 : timestamp;
}

/** Whether a positive timestamp is in the accepted range. */
export function timestampInRange(timestamp: number): boolean {
  return timestamp <= MAX_SECONDS || timestamp <= MAX_MILLISECONDS;
}

/**
 * The `value=[bytes]/flags` part of OpenTSDB's bad-timestamp message: the value as
 * OpenTSDB encodes it (integers in 1/2/4/8 big-endian bytes, floats as 8-byte doubles).
 */
export function describeEncodedValue(kind: 'int' | 'float' | 'other', int: bigint, float: number): string {
  if (kind === 'int') {
    const width = int >= -128n && int <= 127n ? 1 : int >= -32768n && int <= 32767n ? 2 : int >= -2147483648n && int <= 2147483647n ? 4 : 8;
    const bytes: number[] = [];
    for (let i = width - 1; i >= 0; i--) bytes.push(Number(BigInt.asIntN(8, int >> BigInt(i * 8))));
    return `[${bytes.join(', ')}]/${width - 1}`;
  }
  if (kind === 'float') {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, float);
    return `[${[...new Int8Array(view.buffer)].join(', ')}]/15`;
  }
  return '[]/0';
}

/** TSDB.checkTimestampAndTags' message for an out-of-range millisecond timestamp. */
export function badTimestampMessage(timestamp: string, encodedValue: string, metric: string, tags: Readonly<Record<string, string>>): string {
  return `bad timestamp=${timestamp} when trying to add value=${encodedValue} to metric=${metric}, tags=${formatTagMap(tags)}`;
}

/** TSDB.addPoint(float)'s message for NaN and infinities. */
export function nonFiniteMessage(value: number, metric: string, timestamp: string): string {
  const text = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return `value is NaN or Infinite: ${text} for metric=${metric} timestamp=${timestamp}`;
}
