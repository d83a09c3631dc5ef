/**
 * One daemon per data directory: a `LOCK` file holding the owner's pid and, on Linux, its
 * start time (`pid starttime`, the 22nd field of /proc/PID/stat, in clock ticks since
 * boot), created exclusively. A lock whose process is gone (after kill -9) is stale and
 * taken over, and so is one whose pid is a zombie (a dead process its parent has not
 * reaped yet: in a container whose PID 1 reaps slowly, right after a kill -9) or names
 * another process now (the pid was reused: its start time differs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DsdbError } from '../../core';

/** Directories locked by this process (a second engine on the same dir in-process is refused too). */
const heldHere = new Set<string>();

/** A process's state letter and start time from /proc/PID/stat; undefined without /proc (not Linux) or when it is gone. */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); starttime is field 22
  return { state: fields[0]!, startTime: fields[19]! };
}

const procAvailable = fs.existsSync('/proc/self/stat');

/** What this process writes into LOCK. */
function lockText(): string {
  const self = procAvailable ? procStat(process.pid) : undefined;
  return self ? `${process.pid} ${self.startTime}` : String(process.pid);
}

/** Whether the process a LOCK names still runs: the pid is alive, not a zombie, and (when the lock has it) started when the lock says. */
function ownerAlive(pid: number, startTime: string | undefined): boolean {
  if (procAvailable) {
    const stat = procStat(pid);
    if (stat === undefined) return false;
    if (stat.state === 'Z' || stat.state === 'X') return false;
    return startTime === undefined || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Codes of a file system without hard links (FAT, some network mounts). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/** Tries to make LOCK, whole: written under a name of this process's, then linked (link fails when LOCK exists). */
function tryCreate(file: string): boolean {
  const own = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(own, lockText(), { flag: 'wx' });
  try {
    // a LOCK never exists empty: created with `wx` then written, a process reading it in
    // between saw no pid, took it for stale and removed it (a break-it session's race)
    fs.linkSync(own, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_LINKS.has(code)) throw err;
  } finally {
    fs.rmSync(own, { force: true });
  }
  // no hard links here: created exclusively, then written (the empty moment is back)
  try {
    fs.writeFileSync(file, lockText(), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** LOCK's text, or undefined when it is gone (its owner unlocked, or another process removed it as stale). */
function readLock(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Removes a stale LOCK whose text was `text`. Renamed aside first and its text compared:
 * between the read and the removal another process may have taken the stale lock over and
 * made its own, which is put back rather than removed.
 */
function removeStale(file: string, text: string): void {
  const aside = `${file}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone removed it first
    throw err;
  }
  if (readLock(aside) !== text) {
    try {
      fs.linkSync(aside, file); // a live lock: back where it was
    } catch {
      // another process locked meanwhile: it holds the directory now
    }
  }
  fs.rmSync(aside, { force: true });
}

/** Locks `dir` for this process; returns the unlock. Throws DSDB_ERR_STORAGE_LOCKED when a live process holds it. */
export function lockDir(dir: string): () => void {
  const file = path.join(dir, 'LOCK');
  if (heldHere.has(dir)) throw new DsdbError('DSDB_ERR_STORAGE_LOCKED', `storage-embedded: data directory ${dir} is already open in this process`);
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    if (tryCreate(file)) {
      heldHere.add(dir);
      return () => {
        heldHere.delete(dir);
        fs.rmSync(file, { force: true });
      };
    }
    const text = readLock(file);
    if (text === undefined) continue; // gone meanwhile: try again
    if (text.trim() === '' && youngerThan(file, EMPTY_LOCK_MS)) {
      // being written by its owner (a file system without hard links): wait, read again
      Atomics.wait(PAUSE, 0, 0, 10);
      continue;
    }
    const [pidText, startTime] = text.trim().split(/\s+/);
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && ownerAlive(pid, startTime)) {
      throw new DsdbError('DSDB_ERR_STORAGE_LOCKED', `storage-embedded: data directory ${dir} is in use by process ${pid} (remove ${file} if that process is not DSDB)`);
    }
    removeStale(file, text); // stale: its owner died, or the pid is another process's now
  }
  throw new DsdbError('DSDB_ERR_STORAGE_LOCKED', `storage-embedded: cannot lock ${dir}`);
}

/** Rounds of create, read, remove-if-stale before giving up (several processes racing for one stale lock). */
const LOCK_ATTEMPTS = 8;
/** An empty LOCK younger than this is being written; older, its owner died between creating and writing it. */
const EMPTY_LOCK_MS = 2000;
/** Atomics.wait's word: a short synchronous pause (lockDir runs before anything else can). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Whether `file` was modified less than `ms` ago (false when it is gone). */
function youngerThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs < ms;
  } catch {
    return false;
  }
}
