/**
 * Request bodies' Content-Encoding: gzip (`x-gzip`), deflate and br are decoded, identity
 * (or none) passes; any other is refused with 415, where its bytes would otherwise reach
 * a JSON parser and come back as "Unable to parse the given JSON". OpenTSDB (Netty's
 * HttpContentDecompressor) takes gzip and deflate, and reads `deflate` with or without the
 * zlib header (ZLIB_OR_NONE) since clients send both: so does DSDB. br is what browsers'
 * and many HTTP libraries' compressors offer besides.
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/** The encodings a request body may come in (besides identity). */
export const BODY_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br'] as const;

/** A 415 for an encoding no decoder takes, in the form handleError answers (OpenTSDB's error JSON). */
export class UnsupportedEncodingError extends Error {
  readonly statusCode = 415;
  readonly details: string;
  constructor(encoding: string) {
    super('Unsupported Content-Encoding');
    this.details = `The request body's Content-Encoding [${encoding}] is not supported: send gzip, deflate, br or identity`;
  }
}

/**
 * The decoder for a Content-Encoding header's value, or undefined for identity (or none).
 * Throws UnsupportedEncodingError for any other value, a list of several included.
 */
export function bodyDecoder(header: string | string[] | undefined): zlib.Gunzip | zlib.BrotliDecompress | DeflateEitherWrapper | undefined {
  const encoding = String(header ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return new DeflateEitherWrapper();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  throw new UnsupportedEncodingError(String(header));
}

/** Whether two bytes open a zlib stream (RFC 1950: method 8, a header checksum divisible by 31). */
function zlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

/**
 * `deflate` as clients send it: zlib-wrapped (RFC 1950, what the RFC names) or raw
 * (RFC 1951, what many send), told apart by the first two bytes, as Netty's ZLIB_OR_NONE.
 */
export class DeflateEitherWrapper extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;
  /** the first byte, held until the second tells the wrapping */
  private first: Buffer | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.inner === undefined) {
      const bytes = this.first ? Buffer.concat([this.first, chunk]) : chunk;
      if (bytes.length < 2) {
        this.first = bytes;
        return done();
      }
      this.first = undefined;
      this.start(zlibHeader(bytes[0]!, bytes[1]!) ? zlib.createInflate() : zlib.createInflateRaw());
      chunk = bytes;
    }
    this.inner!.write(chunk, () => done());
  }

  override _flush(done: TransformCallback): void {
    if (this.inner === undefined) this.start(zlib.createInflateRaw()).write(this.first ?? Buffer.alloc(0));
    this.inner!.once('end', () => done());
    this.inner!.end();
  }

  private start(inner: zlib.Inflate | zlib.InflateRaw): zlib.Inflate | zlib.InflateRaw {
    this.inner = inner;
    inner.on('data', (data: Buffer) => this.push(data));
    inner.on('error', (err) => this.destroy(err));
    return inner;
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    this.inner?.destroy();
    done(err);
  }
}
