/**
 * The inputs of `dsdb import`: files or stdin (`-`), gzip recognised by its magic bytes
 * whatever the name, each as a stream of raw chunks. Bytes are counted on the file
 * itself (compressed, for .gz) so that progress and ETA can compare them to its size.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { CliExit } from '../../core';

export interface Input {
  name: string;
  /** file size in bytes; undefined for stdin */
  size?: number;
  open(onBytes: (n: number) => void): AsyncIterable<Buffer>;
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

/** The chunks of `source`, gunzipped when its first bytes are gzip's magic. */
async function* gunzipIfGzip(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  // two bytes are needed to tell; a first chunk of one byte is joined with the next
  while (!first.done && first.value.length < 2) {
    const next = await it.next();
    if (next.done) break;
    first = { done: false, value: Buffer.concat([first.value, next.value]) };
  }
  if (first.done) return;
  async function* all(): AsyncIterable<Buffer> {
    yield first.value as Buffer;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  }
  const head = first.value as Buffer;
  if (head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(all()).pipe(zlib.createGunzip({ chunkSize: 1 << 20 })) as AsyncIterable<Buffer>;
  else yield* all();
}

export function inputsOf(names: readonly string[], stdin: NodeJS.ReadableStream): Input[] {
  if (names.length === 0) names = ['-'];
  return names.map((name): Input => {
    if (name === '-') {
      return {
        name: 'stdin',
        open: (onBytes) => {
          stdin.on('data', (chunk: Buffer) => onBytes(chunk.length));
          return gunzipIfGzip(stdin as AsyncIterable<Buffer>);
        },
      };
    }
    let size: number;
    try {
      const stat = fs.statSync(name);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch (err) {
      throw new CliExit(`cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return {
      name,
      size,
      open: (onBytes) => {
        const raw = fs.createReadStream(name, { highWaterMark: 1 << 20 });
        raw.on('data', (chunk) => onBytes(chunk.length));
        if (!isGzip(name)) return raw as AsyncIterable<Buffer>;
        const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
        raw.on('error', (err) => gunzip.destroy(err));
        return raw.pipe(gunzip) as AsyncIterable<Buffer>;
      },
    };
  });
}
