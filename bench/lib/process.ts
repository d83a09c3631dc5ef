/** Starting, watching and stopping the servers a benchmark compares. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  log: string;
}

export function startProcess(command: string, args: string[], options: { cwd?: string; logFile: string; env?: NodeJS.ProcessEnv }): ServerProcess {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const out = fs.openSync(options.logFile, 'w');
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', out, out], env: options.env ?? process.env });
  fs.closeSync(out);
  if (!child.pid) throw new Error(`cannot start ${command}`);
  return { child, pid: child.pid, log: options.logFile };
}

export async function waitForPort(port: number, timeoutMs = 30_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/** Stops by PID: SIGTERM, then SIGKILL if it lingers. */
export async function stopProcess(server: ServerProcess, graceMs = 15_000): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  process.kill(server.pid, 'SIGTERM');
  const result = await Promise.race([exited.then(() => 'ok'), sleep(graceMs).then(() => 'timeout')]);
  if (result === 'timeout') {
    process.kill(server.pid, 'SIGKILL');
    await exited;
  }
}

/** A `kB` field of a live process' /proc/PID/status, in bytes; NaN once the process is gone. */
function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Peak resident set size of a live process, in bytes (VmHWM). */
export function peakRssBytes(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

/** Resident set size of a live process now, in bytes (VmRSS; bench/memory.bench.ts samples it). */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/**
 * Seconds of CPU a process has used since it started, user and system, all its threads
 * together (`/proc/<pid>/stat` fields 14 and 15, `utime` and `stime`); NaN when it cannot be
 * read (no such process, not Linux). Why a benchmark reads it: beside a load's rate, the
 * CPU a point costs tells a system that does more work a point from one that leaves a core
 * idle (docs/performance.md, "What the comparison measures").
 */
export function cpuSeconds(pid: number): number {
  try {
    return cpuSecondsOfStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicks());
  } catch {
    return NaN;
  }
}

/**
 * `utime + stime` of a `/proc/<pid>/stat` line, in seconds at `ticksPerSecond`. The command
 * name (field 2) is in parentheses and may hold spaces and parentheses itself, so the
 * fields are counted from after its last `)`.
 */
export function cpuSecondsOfStat(stat: string, ticksPerSecond: number): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return fields.length > 12 && Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / ticksPerSecond : NaN;
}

let ticks: number | undefined;
/** The kernel's clock ticks a second (`getconf CLK_TCK`, 100 on every common Linux). */
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Bytes used on disk by everything under `dir` (allocated blocks, like du). */
export function diskBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += fs.statSync(full).blocks * 512;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return total;
}

/** Finds a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
