/**
 * `npm run bench -- import`: `dsdb import` throughput on the embedded engine. Generates
 * an import file (1M points by default, `--points=N`; every value kind, 200 series) and
 * runs the real bin on a fresh data dir, plain and gzip-compressed. Reports the import's
 * own points/s (storage open to durable flush, from its summary line) and the
 * end-to-end figure including process start, plugin load and close; as a baseline, the
 * rate at which the same bytes are merely read and split into lines.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { generateImportFile } from '../test/helpers/import-data';
import { DEFAULT_PLUGINS } from '../core';
import { numberFlag } from './lib/flags';

const BIN = path.join(__dirname, '..', '..', 'bin', 'dsdb.js');
const PLUGINS = ['storage-embedded', ...DEFAULT_PLUGINS.filter((p): p is string => typeof p === 'string' && p.startsWith('codec-')), 'cli'];

/** Lines/s of reading the file and finding its newlines: the floor any importer pays. */
function splitRate(file: string, points: number): number {
  const started = performance.now();
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
    for (let pos = buf.indexOf(10, 0); pos >= 0 && pos < n; pos = buf.indexOf(10, pos + 1)) lines++;
  }
  fs.closeSync(fd);
  if (lines !== points) throw new Error(`split ${lines} lines, expected ${points}`);
  return points / ((performance.now() - started) / 1000);
}

function importOnce(dir: string, file: string, points: number): { own: number; total: number } {
  const data = path.join(dir, `data-${path.basename(file)}`);
  fs.rmSync(data, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, 'dsdb.config.js'), `module.exports = { logLevel: 'warn', plugins: ${JSON.stringify(PLUGINS.map((p) => (p === 'storage-embedded' ? [p, { dataDir: data }] : p)))} };\n`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [BIN, 'import', file], { cwd: dir, encoding: 'utf8' });
  const total = points / ((performance.now() - started) / 1000);
  if (run.status !== 0) throw new Error(`dsdb import exited ${run.status}: ${run.stderr}`);
  const m = /imported (\d+) points .*\((\d+) points\/s\); 0 rejected/.exec(run.stderr);
  if (!m || Number(m[1]) !== points) throw new Error(`unexpected summary: ${run.stderr}`);
  fs.rmSync(data, { recursive: true, force: true });
  return { own: Number(m[2]), total };
}

export async function run(flags: string[]): Promise<void> {
  const points = numberFlag(flags, 'points', 1_000_000);
  const rounds = numberFlag(flags, 'rounds', 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-import-bench-'));
  try {
    const { file, bytes } = generateImportFile(path.join(dir, 'points.txt'), points);
    const gz = path.join(dir, 'points.txt.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(file), { level: 6 }));
    // the common case: numbers only (half ints, half floats)
    const numbers = generateImportFile(path.join(dir, 'numbers.txt'), points, 200, ['float', 'int']).file;
    const baseline = splitRate(file, points);
    process.stdout.write(`${points.toLocaleString('en-US')} points, ${(bytes / 2 ** 20).toFixed(1)} MiB (${(fs.statSync(gz).size / 2 ** 20).toFixed(1)} MiB gzip), best of ${rounds}; ${os.cpus().length} CPUs, node ${process.version}\n`);
    process.stdout.write(`baseline: read + split lines ${Math.round(baseline).toLocaleString('en-US')} lines/s\n`);
    for (const [label, input] of [['mixed kinds (¼ int, ¼ float, ¼ string, ¼ JSON)', file], ['mixed kinds, gzip', gz], ['numbers only (½ int, ½ float)', numbers]] as const) {
      let best = { own: 0, total: 0 };
      for (let i = 0; i < rounds; i++) {
        const r = importOnce(dir, input, points);
        if (r.own > best.own) best = r;
      }
      process.stdout.write(
        `${label}: ${best.own.toLocaleString('en-US')} points/s (import loop to durable flush), ${Math.round(best.total).toLocaleString('en-US')} points/s end to end; ${(best.own / baseline).toFixed(2)}× the split baseline\n`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
