/**
 * `npm run bench`: the comparison with VictoriaMetrics and InfluxDB (compare.bench.ts).
 * `npm run bench -- ingest storage` runs the named bench/*.bench.js modules instead, and
 * `npm run bench -- all` every module (`backends` is short for storage-backends). Flags (`--small`, …) go to every module run. Each
 * module exports `run(flags: string[]): Promise<void>` and prints its own figures, as
 * ratios to a baseline measured in the same run. Benchmarks never run in CI.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Short names for modules whose file name is longer. */
const ALIASES: Record<string, string> = { backends: 'storage-backends' };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let names = args.filter((a) => !a.startsWith('-')).map((a) => ALIASES[a] ?? a);
  if (names.length === 0) names = ['compare'];
  if (names.includes('all')) names = [];
  const flags = args.filter((a) => a.startsWith('-'));
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => names.length === 0 || names.includes(f.replace(/\.bench\.js$/, '')))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`no benchmark matches ${names.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  for (const file of files) {
    process.stdout.write(`\n== ${file.replace(/\.bench\.js$/, '')} ==\n`);
    const mod = require(path.join(__dirname, file)) as { run(args: string[]): Promise<void> };
    await mod.run(flags);
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
