/**
 * Durability of the embedded engine in real daemon processes (bin/dsdb.js): points
 * acknowledged with `sync` survive SIGKILL; a corrupt WAL tail is truncated, reported,
 * and every earlier point served; the default config stores in ./data across restarts.
 * Storage is reached through a test-only plugin (test/fixtures/storage-probe-plugin.ts),
 * since the HTTP/telnet write path is another issue.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pointBatch, ValueKind, type SeriesData, type StorageStats } from '../../core';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { embeddedEngine, memoryLogger, tempDataDir } from '../helpers/embedded';
import { PROBE_POINTS_PER_BATCH, probeBatch } from '../fixtures/storage-probe-plugin';
import { CODEC_PLUGINS } from '../helpers/plugins';

const PROBE = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'storage-probe-plugin.js');
const CODECS = CODEC_PLUGINS;

function writeConfig(dir: string, writers: number): void {
  const config = { port: 0, host: '127.0.0.1', logLevel: 'info', plugins: ['telnet', 'storage-embedded', ...CODECS, [PROBE, { writers }]] };
  fs.writeFileSync(path.join(dir, 'dsdb.config.cjs'), `module.exports = ${JSON.stringify(config, null, 2)};\n`);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function killHard(daemon: SpawnedDaemon): Promise<void> {
  daemon.child.kill('SIGKILL');
  await daemon.exited;
}

async function telnet(port: number, lines: string[]): Promise<string[]> {
  // `exit` closes the connection once every earlier line is answered: no guessing by silence.
  const { data } = await exchange(port, [lines.map((l) => l + '\n').join('') + 'exit\n'], { idleMs: 15_000 });
  return data.split('\n').filter(Boolean);
}

function lastWalSegment(dataDir: string): string {
  const walDir = path.join(dataDir, 'wal');
  const segments = fs.readdirSync(walDir).filter((f) => f.endsWith('.wal') && fs.statSync(path.join(walDir, f)).size > 0).sort();
  return path.join(walDir, segments.at(-1)!);
}

describe('embedded storage durability (real daemon processes) @integration', function () {
  this.timeout(60_000);
  // Daemons started by a test: whatever happens, none outlives it (the probe writers never stop).
  const started: SpawnedDaemon[] = [];
  const spawn = async (dir: string): Promise<SpawnedDaemon> => {
    const daemon = await spawnDaemon([], dir);
    started.push(daemon);
    return daemon;
  };
  afterEach(async () => {
    for (const daemon of started.splice(0)) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) await killHard(daemon);
    }
  });

  it('keeps every point acknowledged with sync when the daemon is SIGKILLed mid-stream', async () => {
    const dir = tempDataDir('kill9');
    writeConfig(dir, 4);
    const daemon = await spawn(dir);
    const acks = () => [...daemon.output().matchAll(/^ACK (\d+) (\d+)$/gm)];
    while (acks().length < 300) await sleep(20);
    await killHard(daemon);

    const acked = new Map<number, number>(); // writer → highest acknowledged seq
    for (const [, w, seq] of acks()) acked.set(Number(w), Math.max(acked.get(Number(w)) ?? -1, Number(seq)));
    expect(acked.size).to.equal(4);

    const engine = await embeddedEngine(path.join(dir, 'data'));
    await engine.open();
    try {
      const series = await collect(engine.read({ metric: 'probe.dur' }, { start: 0, end: 8.64e15 }));
      for (const [w, maxSeq] of acked) {
        const data = series.find((d: SeriesData) => d.series.tags.writer === String(w));
        expect(data, `writer ${w}`).to.not.equal(undefined);
        const p = data!.points;
        expect(p.length).to.be.at.least((maxSeq + 1) * PROBE_POINTS_PER_BATCH);
        for (let seq = 0; seq <= maxSeq; seq++) {
          probeBatch(w, seq).forEach((expected, j) => {
            const i = seq * PROBE_POINTS_PER_BATCH + j;
            expect(p.timestamps[i]).to.equal(expected.timestamp);
            expect(p.kinds[i]).to.equal(ValueKind.Int);
            expect(p.ints[i]).to.equal(expected.value.value);
          });
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('truncates a WAL whose last bytes are corrupt, reports it, and serves every earlier point', async () => {
    const dir = tempDataDir('walcorrupt');
    writeConfig(dir, 0);
    let daemon = await spawn(dir);
    const puts = Array.from({ length: 50 }, (_, i) => `probeput probe.wal ${1000 * (i + 1)} ${i + 1}`);
    expect((await telnet(daemon.port, puts)).filter((l) => l === 'ok')).to.have.length(50);
    await killHard(daemon); // no clean shutdown: the points are only in the WAL

    const segment = lastWalSegment(path.join(dir, 'data'));
    const bytes = fs.readFileSync(segment);
    for (let k = 1; k <= 3; k++) bytes[bytes.length - k]! ^= 0xff; // the last record's last bytes
    fs.writeFileSync(segment, bytes);

    daemon = await spawn(dir);
    try {
      expect(daemon.output()).to.match(/WAL has a torn or corrupt tail: truncated/);
      expect(daemon.output()).to.match(/"reason":"checksum mismatch"/);
      const lines = await telnet(daemon.port, ['probeget probe.wal']);
      expect(lines.at(-1)).to.equal('end');
      expect(lines.slice(0, -1)).to.deep.equal(puts.slice(0, 49).map((_, i) => `${1000 * (i + 1)} ${i + 1}`));
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).to.equal(0);
    }
  });

  it('stores in ./data of the config folder when the config names no storage, and the data survives a restart', async () => {
    const dir = tempDataDir('restart');
    writeConfig(dir, 0);
    let daemon = await spawn(dir);
    expect(await telnet(daemon.port, ['probeput probe.keep 5000 123456789012345678'])).to.deep.equal(['ok']);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).to.equal(0);
    expect(fs.readdirSync(path.join(dir, 'data', 'blocks')).filter((f) => f.endsWith('.blk'))).to.have.length(1);
    expect(fs.existsSync(path.join(dir, 'data', 'LOCK'))).to.equal(false);

    daemon = await spawn(dir);
    try {
      expect(await telnet(daemon.port, ['probeget probe.keep'])).to.deep.equal(['5000 123456789012345678', 'end']);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('runs with no config file at all on the default plugins, storing in ./data', async () => {
    const dir = tempDataDir('noconfig');
    const daemon = await spawn(dir);
    try {
      expect(daemon.output()).to.match(/embedded storage open/);
      expect(fs.existsSync(path.join(dir, 'data', 'wal'))).to.equal(true);
      expect(fs.readFileSync(path.join(dir, 'data', 'LOCK'), 'utf8')).to.match(new RegExp(`^${daemon.child.pid} \\d+$`));
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).to.equal(0);
    }
  });
});

describe('embedded storage: WAL tail corruption in-process', () => {
  it('reports a torn tail in stats and in the log, and keeps the points before it', async () => {
    const dir = tempDataDir('torn');
    let engine = await embeddedEngine(dir);
    await engine.open();
    for (let seq = 0; seq < 10; seq++) {
      await engine.write(pointBatch(probeBatch(0, seq)), { sync: true });
    }
    // simulate a crash: copy the data dir while the engine is still open, WAL unflushed into blocks
    const crashed = tempDataDir('torn-copy');
    fs.cpSync(dir, crashed, { recursive: true });
    fs.rmSync(path.join(crashed, 'LOCK'));
    await engine.close();
    fs.appendFileSync(lastWalSegment(crashed), Buffer.from([0x10, 0x00, 0x00, 0x00, 0xde, 0xad])); // a torn record header + bytes

    const log = memoryLogger();
    engine = await embeddedEngine(crashed, {}, log.logger);
    await engine.open();
    try {
      const stats = await engine.stats();
      expect(stats.walTruncations).to.equal(1);
      expect(stats.walTruncatedBytes).to.equal(6);
      const warning = log.lines().find((l) => l.msg === 'WAL has a torn or corrupt tail: truncated; every earlier record was replayed');
      expect(warning).to.include({ droppedBytes: 6 });
      const [data] = await collect(engine.read({ metric: 'probe.dur' }, { start: 0, end: 8.64e15 }));
      expect(data!.points.length).to.equal(10 * PROBE_POINTS_PER_BATCH);
      expect(data!.points.ints[199]).to.equal(9_000_000_000_019n);
    } finally {
      await engine.close();
    }
  });

  /** A crashed copy of a data directory holding ten sync batches, each its own WAL record; the record offsets of its last segment. */
  async function crashedWithTenRecords(name: string): Promise<{ crashed: string; segment: string; offsets: number[] }> {
    const dir = tempDataDir(name);
    const engine = await embeddedEngine(dir);
    await engine.open();
    for (let seq = 0; seq < 10; seq++) await engine.write(pointBatch(probeBatch(0, seq)), { sync: true });
    const crashed = tempDataDir(`${name}-copy`);
    fs.cpSync(dir, crashed, { recursive: true });
    fs.rmSync(path.join(crashed, 'LOCK'));
    await engine.close();
    const segment = lastWalSegment(crashed);
    const bytes = fs.readFileSync(segment);
    const offsets: number[] = [];
    for (let pos = 0; pos < bytes.length; pos += 8 + bytes.readUInt32LE(pos)) offsets.push(pos);
    return { crashed, segment, offsets };
  }

  /** The batch numbers whose points the engine serves (each batch's points share their value's high digits). */
  async function servedBatches(dir: string, log: ReturnType<typeof memoryLogger>): Promise<{ batches: number[]; stats: StorageStats }> {
    const engine = await embeddedEngine(dir, {}, log.logger);
    await engine.open();
    try {
      const [data] = await collect(engine.read({ metric: 'probe.dur' }, { start: 0, end: 8.64e15 }));
      const batches = new Set<number>();
      for (let i = 0; i < data!.points.length; i++) batches.add(Number(data!.points.ints[i]! / 1_000_000_000_000n));
      return { batches: [...batches].sort((a, b) => a - b), stats: await engine.stats() };
    } finally {
      await engine.close();
    }
  }

  for (const [what, flip] of [
    ['a payload byte', (offset: number) => offset + 8 + 30],
    ['its length field', (offset: number) => offset + 1],
  ] as const) {
    it(`skips a record with a bad byte in the middle of a segment (${what}), replays every record after it, and keeps a copy of the segment`, async () => {
      const { crashed, segment, offsets } = await crashedWithTenRecords(`walmid-${flip(0)}`);
      // the SERIES record comes first, then one SAMPLES record a batch: batch 4 is the sixth record
      const samples = offsets.filter((o) => fs.readFileSync(segment)[o + 8] === 2);
      expect(samples).to.have.length(10);
      const damaged = fs.readFileSync(segment);
      damaged[flip(samples[4]!)]! ^= 0x5a;
      fs.writeFileSync(segment, damaged);

      const log = memoryLogger();
      const { batches, stats } = await servedBatches(crashed, log);
      expect(batches).to.deep.equal([0, 1, 2, 3, 5, 6, 7, 8, 9]);
      expect(stats.walSkippedRecords).to.equal(1);
      expect(stats.walSkippedBytes).to.equal(samples[5]! - samples[4]!);
      expect(stats.walTruncations).to.equal(0);
      const logged = log.lines().find((l) => String(l.msg).startsWith('WAL segment has corrupt records in the middle'));
      expect(logged, 'the skip is logged').to.not.equal(undefined);
      const copy = String(logged!.copy);
      expect(fs.readFileSync(copy).equals(damaged), 'the copy holds the segment as found').to.equal(true);
      // the segment was rewritten to its valid records: the next open skips and copies nothing
      const again = await servedBatches(crashed, memoryLogger());
      expect(again.batches).to.deep.equal([0, 1, 2, 3, 5, 6, 7, 8, 9]);
      expect(again.stats.walSkippedRecords).to.equal(0);
      expect(fs.readdirSync(path.dirname(segment)).filter((f) => f.includes('.corrupt-'))).to.have.length(1);
    });
  }
});
