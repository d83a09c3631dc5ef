/** The embedded WAL's group commit: sync writes are acknowledged only after their fsync returns, and the event loop and ingest go on meanwhile. */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { ByteReader, ByteWriter, ValueKind } from '../../core';
import { Wal } from '../../plugins/storage-embedded/wal';
import { columnFlags, decodeSamples, REC_SAMPLES, samplesBytes, writeSamples } from '../../plugins/storage-embedded/wal-records';
import { tempDataDir } from '../helpers/embedded';

type Callback = (err: NodeJS.ErrnoException | null) => void;

describe('embedded WAL group commit', () => {
  const realFdatasync = fs.fdatasync;
  /** fdatasync calls held back until the test releases them */
  let held: { fd: number; done: Callback }[] = [];
  beforeEach(() => {
    held = [];
    (fs as { fdatasync: unknown }).fdatasync = (fd: number, done: Callback) => void held.push({ fd, done });
  });
  afterEach(() => {
    (fs as { fdatasync: unknown }).fdatasync = realFdatasync;
  });
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  /** runs the held fsyncs for real, then calls back */
  const release = async (err: NodeJS.ErrnoException | null = null) => {
    const batch = held.splice(0);
    for (const { fd, done } of batch) {
      fs.fdatasyncSync(fd);
      done(err);
    }
    await turn();
  };

  it('acknowledges a sync write only after its fsync returns, while the next group gathers', async () => {
    const dir = path.join(tempDataDir('wal-group'), 'wal');
    const wal = new Wal(dir, 60_000);
    wal.open();
    const acked: string[] = [];
    wal.append(Uint8Array.of(1, 2, 3));
    const first = wal.sync().then(() => acked.push('first'));
    await turn(); // the commit starts: written, fsync in flight
    expect(held).to.have.length(1);
    expect(acked).to.deep.equal([]);

    // the event loop is free: more records and another sync writer arrive meanwhile
    wal.append(Uint8Array.of(4, 5));
    const second = wal.sync().then(() => acked.push('second'));
    await turn();
    await turn();
    expect(held).to.have.length(1, 'one fsync in flight at a time');
    expect(acked).to.deep.equal([]);

    await release();
    await first;
    expect(acked).to.deep.equal(['first']);
    expect(held).to.have.length(1, 'the second group is committed once the first fsync returned');
    await release();
    await second;
    expect(acked).to.deep.equal(['first', 'second']);

    const release3 = wal.close();
    await turn();
    await release();
    await release3;
    const segment = fs.readdirSync(dir).filter((f) => f.endsWith('.wal'));
    expect(segment).to.have.length(1);
    expect(fs.statSync(path.join(dir, segment[0]!)).size).to.equal(8 + 3 + 8 + 2);
  });

  it('rejects the sync writers of a group whose fsync fails, and retries the bytes with the next commit', async () => {
    const errors: unknown[] = [];
    const wal = new Wal(path.join(tempDataDir('wal-eio'), 'wal'), 60_000, (err) => errors.push(err));
    wal.open();
    wal.append(Uint8Array.of(1));
    const failed = wal.sync().then(
      () => expect.fail('acknowledged'),
      (err: { code?: string }) => err.code,
    );
    await turn();
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await release(eio);
    expect(await failed).to.equal('EIO');
    expect(errors).to.have.length(1);
    const retried = wal.sync();
    await turn();
    expect(held).to.have.length(1, 'the unsynced segment is fsynced again');
    await release();
    await retried;
    const closed = wal.close();
    await turn();
    await release();
    await closed;
  });
});

describe('embedded WAL buffering', () => {
  it('replays every record in order across write-throughs of its buffer, a record larger than the buffer included', async () => {
    const dir = path.join(tempDataDir('wal-buffer'), 'wal');
    const wal = new Wal(dir, 60_000);
    wal.open();
    // ~6 MiB of records of varied sizes: the 1 MiB buffer is written through and reused several times
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const size = i === 1500 ? 3 * 1024 * 1024 : 1 + ((i * 7919) % 4000);
      const p = new Uint8Array(size);
      for (let k = 0; k < size; k += 97) p[k] = (i + k) & 0xff;
      p[0] = i & 0xff;
      payloads.push(p);
      if (i % 2) wal.append(p);
      else {
        // the in-place path the engine's SAMPLES records take
        const w = wal.beginRecord(16);
        w.bytes(p);
        wal.endRecord();
      }
    }
    await wal.close();
    const records = new Wal(dir, 60_000).replay().flatMap((s) => {
      expect(s.corruption).to.equal(undefined);
      return s.records;
    });
    expect(records).to.have.length(payloads.length);
    records.forEach((r, i) => expect(Buffer.from(r).equals(Buffer.from(payloads[i]!)), `record ${i}`).to.equal(true));
  });

  it('an open deletes the empty segments of runs that crashed before writing (a crash loop no longer adds one each time), and keeps the others', async () => {
    const dir = path.join(tempDataDir('wal-empty'), 'wal');
    // a run that wrote a record, then eight that crashed having written nothing (never closed)
    const first = new Wal(dir, 60_000);
    first.open();
    first.append(Uint8Array.of(7, 7));
    await first.close();
    for (let run = 0; run < 8; run++) new Wal(dir, 60_000).open();
    // the written segment and the last crashed run's empty one: not nine
    const wal = new Wal(dir, 60_000);
    const before = wal.segments().map((s) => s.seq);
    expect(before).to.have.length(2);
    expect(before[1]! - before[0]!).to.equal(8);
    expect(wal.replay().flatMap((s) => s.records).map((r) => [...r])).to.deep.equal([[7, 7]]);
    wal.open();
    // the written segment and the new one, numbered after every earlier one
    expect(wal.segments().map((s) => s.seq)).to.deep.equal([before[0], before[1]! + 1]);
    wal.append(Uint8Array.of(8));
    await wal.close();
    expect(new Wal(dir, 60_000).replay().flatMap((s) => s.records).map((r) => [...r])).to.deep.equal([[7, 7], [8]]);
  });

  it('drops segments in the background oldest first, a later foreground drop taking the ones still pending, and close waits for them', async () => {
    const dir = path.join(tempDataDir('wal-drop'), 'wal');
    const wal = new Wal(dir, 60_000);
    wal.open();
    const segmentFiles = () => fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();
    const unlinked: string[] = [];
    const realRm = fs.promises.rm;
    (fs.promises as { rm: unknown }).rm = async (file: string, options: fs.RmOptions) => {
      unlinked.push(path.basename(file));
      return realRm(file, options);
    };
    try {
      for (let i = 0; i < 4; i++) {
        wal.append(Uint8Array.of(i));
        wal.rotate();
      }
      const before = segmentFiles();
      expect(before).to.have.length(5);
      wal.dropBefore(wal.rotate() - 2, true); // 6 segments now: the first 3 go
      expect(segmentFiles(), 'nothing unlinked on the event loop').to.have.length(6);
      expect(wal.bytesOnDisk()).to.be.greaterThan(0);
      await wal.close();
      expect(unlinked, 'in order').to.deep.equal(before.slice(0, 3));
      expect(segmentFiles()).to.deep.equal(before.slice(3).concat(segmentFiles().slice(-1)));

      const again = new Wal(dir, 60_000);
      again.open();
      const pending = segmentFiles();
      again.dropBefore(again.rotate(), true);
      again.dropBefore(again.rotate()); // foreground: every older segment is gone on return
      expect(segmentFiles()).to.have.length(1);
      expect(pending.every((f) => !segmentFiles().includes(f))).to.equal(true);
      await again.close();
      expect(segmentFiles()).to.have.length(1);
    } finally {
      (fs.promises as { rm: unknown }).rm = realRm;
    }
  });
});

describe('embedded WAL SAMPLES records', () => {
  const n = 64;
  /** floats, int64s (a NaN's bits among them) and strings, in columns; `shared`: floats and ints are one value column */
  function columns(shared: boolean) {
    const kinds = Uint8Array.from({ length: n }, (_, i) => (i % 5 === 4 ? ValueKind.String : i % 2 === 0 ? ValueKind.Int : ValueKind.Float));
    const floats = new Float64Array(n);
    const ints = shared ? new BigInt64Array(floats.buffer) : new BigInt64Array(n);
    const texts: (string | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (kinds[i] === ValueKind.Int) ints[i] = i === 0 ? -0x0008_0000_0000_0001n : BigInt(i) * 1_000_000_000_007n;
      else if (kinds[i] === ValueKind.Float) floats[i] = i / 3;
      else texts[i] = `s${i}`;
    }
    return { length: n, seriesIndex: Uint32Array.from({ length: n }, (_, i) => i % 3), timestamps: Float64Array.from({ length: n }, (_, i) => 1e12 + i), kinds, floats, ints, texts };
  }

  function record(c: ReturnType<typeof columns>): Uint8Array {
    const flags = columnFlags(c, c.length);
    const w = new ByteWriter(samplesBytes(c.length, 3, flags));
    writeSamples(w, c, Uint32Array.of(11, 12, 13), flags);
    return w.finish();
  }

  it('logs floats and integers as one value column when the batch keeps them in one (8 bytes a point fewer), and reads back every value exactly either way', () => {
    const apart = record(columns(false));
    const together = record(columns(true));
    expect(apart.length - together.length).to.equal(8 * n);
    for (const bytes of [apart, together]) {
      const r = new ByteReader(bytes);
      expect(r.byte()).to.equal(REC_SAMPLES);
      const got = decodeSamples(r);
      const want = columns(false);
      expect(got.ids).to.deep.equal([11, 12, 13]);
      expect(Array.from(got.timestamps)).to.deep.equal(Array.from(want.timestamps));
      expect(Array.from(got.kinds)).to.deep.equal(Array.from(want.kinds));
      for (let i = 0; i < n; i++) {
        if (want.kinds[i] === ValueKind.Int) expect(got.ints[i], `int ${i}`).to.equal(want.ints[i]);
        else if (want.kinds[i] === ValueKind.Float) expect(got.floats[i], `float ${i}`).to.equal(want.floats[i]);
        else expect(got.texts[i], `text ${i}`).to.equal(want.texts[i]);
      }
    }
  });
});
