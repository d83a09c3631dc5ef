/** Helpers for `dsdb` utility tests: a data dir with a config, and runs under a pseudo-terminal. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN } from './daemon';
import { CODEC_PLUGINS } from './plugins';

/** The plugins a utility test needs: storage-embedded with its codecs, the read path, /api/put JSON, the CLI. */
export const CLI_PLUGINS = [
  'http',
  'put-http',
  'aggregators-opentsdb',
  'aggregators-discrete',
  'query',
  'read-api',
  ...CODEC_PLUGINS,
  'cli',
];

/** Writes `dir/dsdb.config.js` with the embedded engine in `dir/data` (options merged in). */
export function writeCliConfig(dir: string, embedded: Record<string, unknown> = {}, extra: string[] = []): string {
  const file = path.join(dir, 'dsdb.config.js');
  const plugins = [...CLI_PLUGINS, ...extra, ['storage-embedded', { dataDir: './data', ...embedded }]];
  fs.writeFileSync(file, `const { defineConfig } = require('dsdb');\nmodule.exports = defineConfig({ port: 0, logLevel: 'info', plugins: ${JSON.stringify(plugins)} });\n`);
  return file;
}

/** Runs a command line under a pseudo-terminal (util-linux `script`); resolves with what the terminal showed. */
export function runInPty(command: string, cwd: string, timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '120' } });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

export const DSDB = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;

/** Runs dsdb with `input` on its stdin. */
export function runWithStdin(args: string[], cwd: string, input: string | Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  child.stdin!.end(input);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}
