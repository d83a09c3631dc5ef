/**
 * The embedded engine's meta log (plugins/storage-embedded/meta-log.ts) beyond the
 * conformance cases: a torn tail after a crash, the rewrite that keeps the log from
 * growing without bound, and fsck's check of the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { embeddedEngine, memoryLogger, tearNextWrite, tempDataDir } from '../helpers/embedded';
import { fsckEmbedded } from '../../plugins/storage-embedded/fsck';
import { CodecSet, DEFAULT_CODECS } from '../../plugins/storage-embedded/codec-set';
import { codecRegistry } from '../helpers/embedded';
import { scanRecords } from '../../plugins/storage-embedded/record-file';

async function scan(engine: { meta: { scan(space: string, prefix: string): AsyncIterable<{ key: string; value: string }> } }, space: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of engine.meta.scan(space, '')) out.push(`${e.key}=${e.value}`);
  return out;
}

describe('storage-embedded meta log', function () {
  this.timeout(60_000);

  it('keeps the whole records before a torn tail, truncates the tail and logs it', async () => {
    const dir = tempDataDir('meta-torn');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.meta.put('uid', 'metrics:a', '000001');
    await engine.meta.put('uid', 'metrics:b', '000002');
    await engine.close();
    const file = path.join(dir, 'meta.log');
    const whole = fs.statSync(file).size;
    // a crash in the middle of the third record: half of its bytes reached the disk
    fs.appendFileSync(file, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 1, 3, 0]));
    const log = memoryLogger();
    engine = await embeddedEngine(dir, {}, log.logger);
    await engine.open();
    expect(await scan(engine, 'uid')).to.deep.equal(['metrics:a=000001', 'metrics:b=000002']);
    expect(fs.statSync(file).size).to.equal(whole);
    expect(log.lines().some((l) => /meta log has a corrupt tail/.test(l.msg as string))).to.equal(true);
    await engine.meta.put('uid', 'metrics:c', '000003');
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    expect(await scan(engine, 'uid')).to.deep.equal(['metrics:a=000001', 'metrics:b=000002', 'metrics:c=000003']);
    await engine.close();
  });

  it('writes a group commit of many records as one compressed batch, read back next to single records', async () => {
    const dir = tempDataDir('meta-batch');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.meta.put('uid', 'single', '000001'); // alone in its commit: a plain record
    const tsuids = Array.from({ length: 2000 }, (_, i) => `00000${i % 10}000001${i.toString(16).toUpperCase().padStart(6, '0')}000002000003000004000005`);
    // one write batch's new series: their puts share commits
    await Promise.all(tsuids.map((t) => engine.meta.putIfAbsent('tsmeta', t, '{"created":1796053737}')));
    await engine.close();
    const file = path.join(dir, 'meta.log');
    const plain = tsuids.reduce((n, t) => n + 8 + 5 + 'tsmeta'.length + t.length + 22, 0);
    expect(fs.statSync(file).size).to.be.below(plain / 3);
    engine = await embeddedEngine(dir);
    await engine.open();
    expect(await scan(engine, 'uid')).to.deep.equal(['single=000001']);
    expect((await scan(engine, 'tsmeta')).length).to.equal(2000);
    expect(await engine.meta.get('tsmeta', tsuids[1234]!)).to.equal('{"created":1796053737}');
    await engine.close();
    expect(fsckEmbedded(dir, new CodecSet(await codecRegistry(), DEFAULT_CODECS), false).problems).to.deep.equal([]);
  });

  it('putAllIfAbsent stores the absent entries in one commit, leaves present ones as they were, and they survive a reopen', async () => {
    const dir = tempDataDir('meta-put-all');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.meta.put('tsmeta', 'K0005', 'before');
    const file = path.join(dir, 'meta.log');
    const recordsBefore = scanRecords(fs.readFileSync(file)).records.length;
    const entries = Array.from({ length: 500 }, (_, i) => ({ key: `K${String(i).padStart(4, '0')}`, value: `v${i}` }));
    // the second mention of a key in one call finds the first one's entry
    const stored = await engine.meta.putAllIfAbsent!('tsmeta', [...entries, { key: 'K0007', value: 'again' }]);
    expect(stored.length).to.equal(501);
    expect(stored.filter((s) => s).length).to.equal(499);
    expect(stored[5]).to.equal(false);
    expect(stored[500]).to.equal(false);
    // one commit: one record (a compressed batch of the 499) after the ones before
    expect(scanRecords(fs.readFileSync(file)).records.length).to.equal(recordsBefore + 1);
    expect(await engine.meta.get('tsmeta', 'K0005')).to.equal('before');
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    const all = await scan(engine, 'tsmeta');
    expect(all.length).to.equal(500);
    expect(all[5]).to.equal('K0005=before');
    expect(all[7]).to.equal('K0007=v7');
    expect(all[499]).to.equal('K0499=v499');
    await engine.close();
  });

  it('loses no later commit after a write that failed part-way (ENOSPC): the torn bytes are cut, the failed records go at the next commit', async () => {
    const dir = tempDataDir('meta-short-write');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.meta.put('uid', 'metrics:a', '000001');
    const file = path.join(dir, 'meta.log');
    const ino = fs.statSync(file).ino;
    // the disk fills in the middle of the next meta.log write: half its bytes land, then ENOSPC
    const tear = tearNextWrite(ino);
    try {
      const many = Array.from({ length: 10 }, (_, i) => engine.meta.put('uid', `metrics:b${i}`, `00001${i}`));
      const settled = await Promise.allSettled(many);
      expect(settled.some((r) => r.status === 'rejected')).to.equal(true);
    } finally {
      tear.restore();
    }
    expect(tear.torn()).to.equal(1);
    await engine.meta.put('uid', 'metrics:c', '000003'); // the disk has room again
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    const keys = (await scan(engine, 'uid')).map((e) => e.split('=')[0]);
    expect(keys).to.include.members(['metrics:a', 'metrics:c']);
    expect(keys).to.include.members(Array.from({ length: 10 }, (_, i) => `metrics:b${i}`));
    await engine.close();
  });

  it('writes at close the records a failed write left queued (the entries readers already saw)', async () => {
    const dir = tempDataDir('meta-failed-close');
    let engine = await embeddedEngine(dir);
    await engine.open();
    const realWrite = fs.writeSync;
    let failed = 0;
    (fs as { writeSync: unknown }).writeSync = (...args: unknown[]): number => {
      if (failed++ === 0) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      return (realWrite as (...a: unknown[]) => number)(...args);
    };
    try {
      let error: unknown;
      await engine.meta.put('uid', 'metrics:x', '000009').catch((err: unknown) => (error = err));
      expect((error as { code?: string } | undefined)?.code).to.equal('EIO');
    } finally {
      fs.writeSync = realWrite;
    }
    expect(await engine.meta.get('uid', 'metrics:x')).to.equal('000009');
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    expect(await engine.meta.get('uid', 'metrics:x')).to.equal('000009');
    await engine.close();
  });

  it('replays any sequence of puts, putIfAbsents and deletes, single or group-committed, multi-byte UTF-8 or not, as the calls left it (reopened between rounds)', async () => {
    let seed = 42;
    const rnd = (n: number): number => ((seed = (seed * 16807) % 2147483647), seed % n);
    const dir = tempDataDir('meta-model');
    const model = new Map<string, string>();
    for (let round = 0; round < 6; round++) {
      const engine = await embeddedEngine(dir);
      await engine.open();
      try {
        for (let step = 0; step < 40; step++) {
          // 1 to 20 calls issued together share commits: 8 or more go as one batch
          const calls: Promise<unknown>[] = [];
          for (let c = 1 + rnd(20); c > 0; c--) {
            // multi-byte UTF-8 in some keys and values: a record's lengths are bytes, not characters
            const key = `k${rnd(30)}${rnd(4) === 0 ? 'é' : ''}`;
            const value = `v${round}.${step}.${c}${c % 3 === 0 ? ' 日本 🙂' : ''}`;
            const op = rnd(3);
            if (op === 0) {
              model.set(key, value);
              calls.push(engine.meta.put('s', key, value));
            } else if (op === 1) {
              if (!model.has(key)) model.set(key, value);
              calls.push(engine.meta.putIfAbsent('s', key, value));
            } else {
              model.delete(key);
              calls.push(engine.meta.delete('s', key));
            }
          }
          await Promise.all(calls);
        }
        const expected = [...model].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
        expect(await scan(engine, 's'), `round ${round}`).to.deep.equal(expected);
      } finally {
        await engine.close();
      }
    }
    const reopened = await embeddedEngine(dir);
    await reopened.open();
    expect((await scan(reopened, 's')).length).to.equal(model.size);
    await reopened.close();
  });

  it('rewrites the log with its live entries once it is mostly overwritten records', async () => {
    const dir = tempDataDir('meta-rewrite');
    let engine = await embeddedEngine(dir);
    await engine.open();
    const file = path.join(dir, 'meta.log');
    const value = 'x'.repeat(4096);
    // 600 overwrites of 10 keys: 2.4 MiB appended, 40 KiB live
    for (let i = 0; i < 600; i++) await engine.meta.put('tree', `branch:${i % 10}`, `${i}:${value}`);
    const size = fs.statSync(file).size;
    expect(size).to.be.below(1.2 * 1024 * 1024, 'rewritten at least once');
    await engine.meta.delete('tree', 'branch:0');
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    const keys = (await scan(engine, 'tree')).map((e) => e.slice(0, e.indexOf(':', 7)));
    expect(keys).to.deep.equal(Array.from({ length: 9 }, (_, i) => `branch:${i + 1}=${590 + i + 1}`));
    expect(fs.existsSync(file + '.tmp')).to.equal(false);
    await engine.close();
  });

  it('compresses the records written one at a time (new UIDs) once they are worth it: at close, and when writes pause', async () => {
    const dir = tempDataDir('meta-loose');
    const file = path.join(dir, 'meta.log');
    // a few loose records are left alone (below 32 KiB)
    let engine = await embeddedEngine(dir);
    await engine.open();
    for (let i = 0; i < 20; i++) await engine.meta.putIfAbsent('uid', `n:tagv:host_${i}`, String(i).padStart(6, '0'));
    const few = fs.statSync(file).size;
    await engine.close();
    expect(fs.statSync(file).size).to.equal(few);
    // UIDs assigned one by one, as a load of new series does, with their kind's max id overwritten
    engine = await embeddedEngine(dir);
    await engine.open();
    const assign = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        const id = String(i).padStart(6, '0');
        await engine.meta.putIfAbsent('uid', `n:tagv:host_${i}`, id);
        await engine.meta.putIfAbsent('uid', `i:tagv:${id}`, `host_${i}`);
        await engine.meta.put('uid', 'max:tagv', id);
      }
    };
    await assign(20, 1000);
    const loose = fs.statSync(file).size;
    await engine.close();
    const closed = fs.statSync(file).size;
    expect(closed).to.be.below(loose / 2);
    engine = await embeddedEngine(dir, { compactIdleMs: 50 });
    await engine.open();
    const entries = await scan(engine, 'uid');
    expect(entries.length).to.equal(1000 + 980 + 1);
    expect(entries).to.include('max:tagv=000999');
    expect(entries).to.include('i:tagv:000500=host_500');
    expect(entries).to.include('n:tagv:host_7=000007');
    // the same while the engine stays open: rewritten once writes pause
    await assign(1000, 2000);
    const grown = fs.statSync(file).size;
    const deadline = Date.now() + 10_000;
    while (fs.statSync(file).size >= grown && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(fs.statSync(file).size).to.be.below(closed + (grown - closed) / 2);
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    const after = await scan(engine, 'uid');
    expect(after.length).to.equal(2000 + 1980 + 1);
    expect(after).to.include('max:tagv=001999');
    expect(after).to.include('i:tagv:001500=host_1500');
    expect(fs.existsSync(file + '.tmp')).to.equal(false);
    await engine.close();
  });

  it('keeps serving when a rewrite fails: logs it once per retry period, not at every idle tick, and opens anyway', async () => {
    const dir = tempDataDir('meta-rewrite-fails');
    const file = path.join(dir, 'meta.log');
    const assign = async (engine: Awaited<ReturnType<typeof embeddedEngine>>, from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i++) {
        const id = String(i).padStart(6, '0');
        await engine.meta.putIfAbsent('uid', `n:tagv:host_${i}`, id);
        await engine.meta.put('uid', 'max:tagv', id);
      }
    };
    // a directory where the rewrite writes its temporary file: every rewrite fails (EISDIR)
    fs.mkdirSync(path.join(dir, 'meta.log.tmp'), { recursive: true });
    const log = memoryLogger();
    let engine = await embeddedEngine(dir, { compactIdleMs: 20 }, log.logger);
    await engine.open();
    const failures = () => log.lines().filter((l) => String(l.msg).startsWith('rewriting the meta log failed')).length;
    try {
      await assign(engine, 0, 1500); // loose records worth a rewrite once writes pause
      const loose = fs.statSync(file).size;
      await new Promise((r) => setTimeout(r, 1000)); // ~50 idle ticks
      expect(failures()).to.equal(1);
      expect(fs.statSync(file).size).to.equal(loose);
      await engine.meta.put('uid', 'after', 'failure');
      expect(await engine.meta.get('uid', 'after')).to.equal('failure');
    } finally {
      await engine.close(); // tries once more, and fails again
    }
    expect(failures()).to.equal(2);
    // opening tries too (before, its failure stopped the engine from opening)
    engine = await embeddedEngine(dir, {}, log.logger);
    await engine.open();
    expect(failures()).to.equal(3);
    expect((await scan(engine, 'uid')).length).to.equal(1500 + 2);
    await engine.close();
    // once the obstacle is gone the next open rewrites it
    fs.rmSync(path.join(dir, 'meta.log.tmp'), { recursive: true });
    const before = fs.statSync(file).size;
    engine = await embeddedEngine(dir);
    await engine.open();
    expect(fs.statSync(file).size).to.be.below(before / 2);
    expect((await scan(engine, 'uid')).length).to.equal(1500 + 2);
    await engine.close();
  });

  it('fsck reports and cuts a corrupt meta log tail like the series log\'s', async () => {
    const dir = tempDataDir('meta-fsck');
    const engine = await embeddedEngine(dir);
    await engine.open();
    await engine.meta.put('uid', 'tagk:host', '000001');
    await engine.close();
    fs.appendFileSync(path.join(dir, 'meta.log'), Buffer.from([9, 9, 9]));
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    const report = fsckEmbedded(dir, codecs, true);
    const problem = report.problems.find((p) => p.file === 'meta.log');
    expect(problem?.message).to.match(/torn record header/);
    expect(problem?.fixed).to.match(/truncated/);
    expect(fsckEmbedded(dir, codecs, false).problems.filter((p) => p.file === 'meta.log')).to.deep.equal([]);
  });

  it('refuses a space with a control character and an oversized key, naming the limit', async () => {
    const engine = await embeddedEngine(tempDataDir('meta-limits'));
    await engine.open();
    try {
      await engine.meta.put('a\u0000b', 'k', 'v').then(
        () => expect.fail('stored'),
        (err) => expect(err.code).to.equal('DSDB_ERR_BAD_META'),
      );
      await engine.meta.putIfAbsent('uid', 'k'.repeat(1025), 'v').then(
        () => expect.fail('stored'),
        (err) => expect(err.message).to.match(/1024 bytes/),
      );
      expect(await scan(engine, 'uid')).to.deep.equal([]);
    } finally {
      await engine.close();
    }
  });
});
