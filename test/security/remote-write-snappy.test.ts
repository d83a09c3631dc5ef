/**
 * Issue #19: a 6-byte snappy body (`01 fc fa ff ff ff`) hung the daemon at 100% CPU
 * forever (snappyjs's position ran backwards). The decoder is now bounded: malformed
 * input errors out, a declared length over the limit or beyond what the input can hold
 * is refused before decoding. The daemon runs in a child process, so a hang before the
 * fix fails the test by mocha's timeout instead of freezing mocha itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import snappyjs from 'snappyjs';
import { scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { snappyUncompress } from '../../plugins/prometheus-remote-write/snappy';

describe('security: remote_write snappy bodies cannot hang the daemon (#19)', () => {
  let dir: string;
  let spawned: SpawnedDaemon;
  before(async () => {
    dir = scratchDir('snappy');
    fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ port: 0, logLevel: 'info', plugins: ['http', 'storage-memory', ['prometheus-remote-write', { maxUncompressedBytes: 1024 * 1024 }]] }));
    spawned = await spawnDaemon([], dir);
  });
  after(async () => {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: Buffer) =>
    fetch(`http://127.0.0.1:${spawned.port}/api/v1/write`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } });

  it('answers the 6-byte body 01 fc fa ff ff ff with 400 and keeps answering', async () => {
    const res = await post(Buffer.from('01fcfaffffff', 'hex'));
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error.code).to.equal(400);
    expect((await fetch(`http://127.0.0.1:${spawned.port}/api/version`)).status).to.equal(200);
  });

  it('refuses a declared length over maxUncompressedBytes with 413, and one the input cannot hold with 400', async () => {
    // varint 2 MiB, then one literal byte
    const big = await post(Buffer.from([0x80, 0x80, 0x80, 0x01, 0x00, 0x41]));
    expect(big.status).to.equal(413);
    // varint 100 kB from 3 bytes of elements
    const impossible = await post(Buffer.from([0xa0, 0x8d, 0x06, 0x00, 0x41, 0x41]));
    expect(impossible.status).to.equal(400);
  });

  it('decodes literals and copies of every length up to 80, overlapping copies included, as snappyjs encodes them', () => {
    // a period-`p` run repeats its first p bytes: the encoder's copies reach back p bytes,
    // shorter than themselves when the run is longer (the overlapping case); a random run is
    // one literal of its length. Lengths around SHORT_RUN (16) take both of the decoder's paths.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let length = 1; length <= 80; length++) {
      for (const period of [1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 40, length]) {
        if (period > length) continue;
        const head = Array.from({ length: period }, random);
        const run = Array.from({ length }, (_, i) => head[i % period]!);
        const text = Buffer.from([...Array.from({ length: 20 }, random), ...run, ...run, ...Array.from({ length: length % 7 }, random)]);
        expect(snappyUncompress(Buffer.from(snappyjs.compress(text)), 1 << 20).equals(text), `length ${length}, period ${period}`).to.equal(true);
      }
    }
  });

  it('decodes what snappyjs compresses, and refuses every truncation and byte flip in bounded time', () => {
    const text = Buffer.from('sys.cpu.user host=web01 cpu=0 '.repeat(200) + 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(50));
    const packed = Buffer.from(snappyjs.compress(text));
    expect(snappyUncompress(packed, 1 << 20).equals(text)).to.equal(true);
    // into a caller's buffer when it holds the bytes (a view of its start), else a new one
    const into = Buffer.alloc(text.length + 10, 0xee);
    const viewed = snappyUncompress(packed, 1 << 20, into);
    expect(viewed.buffer).to.equal(into.buffer);
    expect(viewed.equals(text)).to.equal(true);
    expect(into[text.length]).to.equal(0xee);
    const small = Buffer.alloc(10);
    const fresh = snappyUncompress(packed, 1 << 20, small);
    expect(fresh.buffer).to.not.equal(small.buffer);
    expect(fresh.equals(text)).to.equal(true);
    for (let cut = 0; cut < packed.length; cut++) {
      expect(() => snappyUncompress(packed.subarray(0, cut), 1 << 20)).to.throw();
    }
    for (let i = 0; i < packed.length; i++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(packed);
        bad[i]! ^= flip;
        try {
          snappyUncompress(bad, 1 << 20);
        } catch {
          // an error is fine; returning is fine; hanging or crashing is not
        }
      }
    }
  });
});
