/**
 * The three forms a SimpleHistogram arrives in, as OpenTSDB 2.4.1 reads them
 * (tsd/HistogramDataPointRpc, core/HistogramPojo, core/SimpleHistogram), and the one
 * DSDB stores:
 * - JSON buckets: `{"buckets": {"0,1.5": 3, …}, "underflow": 0, "overflow": 1}`
 *   (HistogramPojo.toSimpleHistogram);
 * - the binary form: base64 of SimpleHistogram.histogram(false) — a big-endian short
 *   bucket count, then per bucket two big-endian float32 bounds and a Kryo var-long count,
 *   then the underflow and overflow var-longs (Kryo Output, optimizePositive);
 * - the telnet value `0,1=3:1,5=2:u=0:o=1` (parseTelnet);
 * - stored: canonical JSON `{"buckets":[[lower,upper,count],…],"overflow":o,"underflow":u}`
 *   with bounds as their float32 values, buckets in bound order (docs/query.md).
 */
import { NumberFormatError, emptyHistogram, javaFloatString, parseJavaFloat, parseJavaLong, putBucket, type SimpleHistogram } from './simple-histogram';

/** OpenTSDB's Tags.splitString: every separator splits, empty parts kept. */
export function splitString(s: string, sep: string): string[] {
  return s.split(sep);
}

/** HistogramPojo.toSimpleHistogram: bucket keys "lower,upper". Throws OpenTSDB's messages. */
export function fromJsonBuckets(buckets: Record<string, unknown>, underflow: number, overflow: number): SimpleHistogram {
  const keys = Object.keys(buckets);
  if (keys.length === 0) throw new Error('Buckets cannot be empty when creating a simple histogram.');
  const h = emptyHistogram();
  h.underflow = underflow;
  h.overflow = overflow;
  for (const key of keys) {
    const bounds = splitString(key, ',');
    if (bounds.length !== 2) throw new Error(`Unable to parse bucket bounds: ${key}`);
    const count = buckets[key];
    putBucket(h, parseJavaFloat(bounds[0]!), parseJavaFloat(bounds[1]!), count === null ? 0 : (count as number));
  }
  return h;
}

/** HistogramDataPointRpc.parseTelnet: `lower,upper=count` buckets, `u=`/`o=` joined by ':'. */
export function fromTelnetValue(encoded: string): SimpleHistogram {
  const h = emptyHistogram();
  for (const bucket of splitString(encoded, ':')) {
    const kv = splitString(bucket, '=');
    if (kv.length !== 2) throw new Error(`Improperly formatted bucket: ${bucket}`);
    const key = kv[0]!.toLowerCase();
    if (key === 'u') h.underflow = parseJavaLong(kv[1]!);
    else if (key === 'o') h.overflow = parseJavaLong(kv[1]!);
    else {
      const bounds = splitString(key, ',');
      if (bounds.length !== 2) throw new Error(`Improperly formatted bounds: ${bucket}`);
      putBucket(h, parseJavaFloat(bounds[0]!), parseJavaFloat(bounds[1]!), parseJavaLong(kv[1]!));
    }
  }
  return h;
}

/** Kryo's readLong(true): 7 bits a byte, low groups first, the 9th byte whole. */
function readVarLong(buf: Buffer, pos: { at: number }): bigint {
  let result = 0n;
  for (let i = 0; i < 9; i++) {
    if (pos.at >= buf.length) throw new Error('Buffer underflow.');
    const b = buf[pos.at++]!;
    if (i === 8) return BigInt.asIntN(64, result | (BigInt(b) << 56n));
    result |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return BigInt.asIntN(64, result);
  }
  return result;
}

function writeVarLong(out: number[], value: number): void {
  let v = BigInt.asUintN(64, BigInt(value));
  for (let i = 0; i < 8; i++) {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) {
      out.push(low);
      return;
    }
    out.push(low | 0x80);
  }
  out.push(Number(v & 0xffn));
}

function safeCount(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`count ${n} is beyond ±2^53, which DSDB does not store`);
  return Number(n);
}

/** SimpleHistogram.fromHistogram(raw, false) of the base64 `value` (DatatypeConverter.parseBase64Binary). */
export function fromBinary(base64: string): SimpleHistogram {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length < 6) throw new Error(`Byte array shorter than 6 bytes detected: ${prettyBytes(raw)}`);
  const h = emptyHistogram();
  const pos = { at: 2 };
  const count = raw.readInt16BE(0);
  for (let i = 0; i < count; i++) {
    if (pos.at + 8 > raw.length) throw new Error('Buffer underflow.');
    const lower = raw.readFloatBE(pos.at);
    const upper = raw.readFloatBE(pos.at + 4);
    pos.at += 8;
    putBucket(h, lower, upper, safeCount(readVarLong(raw, pos)));
  }
  h.underflow = safeCount(readVarLong(raw, pos));
  h.overflow = safeCount(readVarLong(raw, pos));
  return h;
}

/** SimpleHistogram.histogram(false), base64: the binary `value` form. */
export function toBinary(h: SimpleHistogram): string {
  const out: number[] = [];
  out.push((h.buckets.length >> 8) & 0xff, h.buckets.length & 0xff);
  const f = Buffer.alloc(4);
  for (const b of h.buckets) {
    f.writeFloatBE(b.lower, 0);
    out.push(...f);
    f.writeFloatBE(b.upper, 0);
    out.push(...f);
    writeVarLong(out, b.count);
  }
  writeVarLong(out, h.underflow);
  writeVarLong(out, h.overflow);
  return Buffer.from(out).toString('base64');
}

/** asynchbase's Bytes.pretty as OpenTSDB prints a short array: Java's signed bytes, `[0, -1]`. */
function prettyBytes(buf: Buffer): string {
  return `[${[...buf].map((b) => (b > 127 ? b - 256 : b)).join(', ')}]`;
}

/** The stored form: canonical JSON text (keys sorted, bounds as float32 numbers). */
export function toStoredJson(h: SimpleHistogram): string {
  const buckets = h.buckets.map((b) => `[${jsonNumber(b.lower)},${jsonNumber(b.upper)},${b.count}]`).join(',');
  return `{"buckets":[${buckets}],"overflow":${h.overflow},"underflow":${h.underflow}}`;
}

/** A float32 bound as JSON: its shortest float32 text (Infinity/NaN as strings). */
function jsonNumber(f: number): string {
  if (!Number.isFinite(f)) return JSON.stringify(String(f));
  return String(Number(javaFloatString(f)));
}

/** Reads a stored value back; undefined when the JSON is not a stored histogram. */
export function fromStoredJson(text: string): SimpleHistogram | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as { buckets?: unknown; underflow?: unknown; overflow?: unknown };
  if (!Array.isArray(o.buckets) || typeof o.underflow !== 'number' || typeof o.overflow !== 'number') return undefined;
  const h = emptyHistogram();
  h.underflow = o.underflow;
  h.overflow = o.overflow;
  for (const b of o.buckets) {
    if (!Array.isArray(b) || b.length !== 3) return undefined;
    putBucket(h, Number(b[0]), Number(b[1]), Number(b[2]));
  }
  return h;
}

export { NumberFormatError };
