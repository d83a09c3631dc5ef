/**
 * The embedded engine's LOCK (plugins/storage-embedded/lock.ts): a live owner keeps the
 * data directory; a dead one, a zombie (dead, not yet reaped: what a container whose PID 1
 * reaps slowly shows right after a kill -9) or a pid reused by another process does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { lockDir } from '../../plugins/storage-embedded/lock';

function startTimeOf(pid: number): string {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('storage-embedded: the LOCK file', () => {
  let dir: string;
  let sleeper: ChildProcess | undefined;
  let zombie = 0;

  before(async function () {
    if (!fs.existsSync('/proc/self/stat')) this.skip();
    // `sleep 0` ends at once and its parent, exec'ed into `sleep 30`, never waits for it: a zombie
    sleeper = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    zombie = Number(await new Promise<string>((resolve) => sleeper!.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    for (let i = 0; i < 100; i++) {
      const stat = fs.readFileSync(`/proc/${zombie}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`process ${zombie} did not become a zombie`);
  });
  after(() => sleeper?.kill('SIGKILL'));
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const lockFile = () => path.join(dir, 'LOCK');

  it('writes its pid and start time, and refuses a second lock in the process', () => {
    const unlock = lockDir(dir);
    try {
      expect(fs.readFileSync(lockFile(), 'utf8')).to.equal(`${process.pid} ${startTimeOf(process.pid)}`);
      expect(() => lockDir(dir)).to.throw(/already open in this process/);
    } finally {
      unlock();
    }
    expect(fs.existsSync(lockFile())).to.equal(false);
  });

  it('refuses a directory whose owner runs, by pid alone (a lock from before start times) or with its start time', () => {
    const pid = sleeper!.pid!;
    for (const text of [String(pid), `${pid} ${startTimeOf(pid)}`]) {
      fs.writeFileSync(lockFile(), text);
      expect(() => lockDir(dir), text).to.throw(new RegExp(`in use by process ${pid}`));
    }
  });

  it('takes over from a dead owner, a zombie, and a pid another process has now', async () => {
    const sleeperPid = sleeper!.pid!;
    const gone = spawn('true');
    const deadPid = gone.pid!;
    await new Promise((resolve) => gone.once('exit', resolve)); // exited and reaped
    for (const text of [`${zombie}`, `${zombie} 1`, `${sleeperPid} ${Number(startTimeOf(sleeperPid)) + 1}`, `${deadPid}`]) {
      fs.writeFileSync(lockFile(), text);
      const unlock = lockDir(dir);
      expect(fs.readFileSync(lockFile(), 'utf8'), text).to.equal(`${process.pid} ${startTimeOf(process.pid)}`);
      unlock();
    }
  });
});

describe('storage-embedded: the LOCK file under two processes racing for it', () => {
  it('is held by one process at a time (no empty LOCK read as stale, no fresh LOCK removed as stale)', async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-lock-race-'));
    // each process takes and gives back the lock in a loop; while it holds it, it makes
    // HOLDER exclusively: a second holder finds HOLDER there and counts a double hold
    const script = `
      const fs = require('node:fs');
      const { lockDir } = require(${JSON.stringify(path.resolve(__dirname, '../../plugins/storage-embedded/lock.js'))});
      const holder = ${JSON.stringify(path.join(dir, 'HOLDER'))};
      let held = 0, doubles = 0, refused = 0, other = 0;
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        let unlock;
        try { unlock = lockDir(${JSON.stringify(dir)}); } catch (err) { if (err.code === 'DSDB_ERR_STORAGE_LOCKED') refused++; else other++; continue; }
        held++;
        try { fs.writeFileSync(holder, String(process.pid), { flag: 'wx' }); } catch { doubles++; unlock(); continue; }
        fs.rmSync(holder);
        unlock();
      }
      process.stdout.write(JSON.stringify({ held, doubles, refused, other }));
    `;
    const run = () =>
      new Promise<{ held: number; doubles: number; refused: number; other: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d));
        child.once('error', reject);
        child.once('exit', () => resolve(JSON.parse(out)));
      });
    try {
      const results = await Promise.all([run(), run()]);
      for (const r of results) {
        expect(r.other, JSON.stringify(results)).to.equal(0);
        expect(r.doubles, JSON.stringify(results)).to.equal(0);
      }
      // the race was run: both took the lock many times, and found it held many times
      expect(results[0]!.held + results[1]!.held).to.be.greaterThan(100);
      expect(results[0]!.refused + results[1]!.refused).to.be.greaterThan(100);
      expect(fs.readdirSync(dir).filter((f) => f !== 'LOCK')).to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('storage-embedded: the LOCK file on a file system without hard links', () => {
  it('is made exclusively and written instead (FAT, some network mounts refuse link)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-lock-nolink-'));
    const link = fs.linkSync;
    let refused = 0;
    (fs as { linkSync: typeof fs.linkSync }).linkSync = () => {
      refused++;
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
    };
    try {
      const unlock = lockDir(dir);
      expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).to.match(new RegExp(`^${process.pid}\\b`));
      expect(fs.readdirSync(dir)).to.deep.equal(['LOCK']);
      expect(refused).to.equal(1);
      unlock();
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    } finally {
      (fs as { linkSync: typeof fs.linkSync }).linkSync = link;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
