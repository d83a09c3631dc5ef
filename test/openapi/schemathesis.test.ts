/**
 * schemathesis (PyPI, pinned in scripts/install-schemathesis.sh, cached in
 * .schemathesis-cache/) generates requests from /api/openapi.json — valid and invalid
 * parameters and bodies for every operation — against a daemon with every default plugin
 * and the example plugins, on the embedded engine in a scratch folder. It fails on any
 * 5xx (`not_a_server_error`) and on any answer outside the description (status, media
 * type, body schema). Short form for CI: a fixed seed (DSDB_SCHEMATHESIS_SEED=N for
 * another), at most 20 examples per operation and a 75 s budget (DSDB_SCHEMATHESIS_SECONDS).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, scratchDir } from '../helpers/daemon';
import { startOpenApiDaemon, type OpenApiDaemon } from './daemon';

const SEED = process.env.DSDB_SCHEMATHESIS_SEED ?? '20261130';
const SECONDS = process.env.DSDB_SCHEMATHESIS_SECONDS ?? '75';
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  // async: the daemon under test answers on this process's event loop
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' } });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('schemathesis against /api/openapi.json @integration', function () {
  this.timeout(6 * 60_000);
  let bin: string;
  let daemon: OpenApiDaemon;
  let dir: string;
  before(async () => {
    // installs into the cached venv on first use (about 40 s), then only prints the path
    bin = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-schemathesis.sh')], { encoding: 'utf8', timeout: 5 * 60_000, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    daemon = await startOpenApiDaemon();
    dir = scratchDir('schemathesis');
  });
  after(async () => {
    await daemon?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds no 5xx and no answer outside the description', async () => {
    const junit = path.join(dir, 'junit.xml');
    const args = [
      'run', `${daemon.base}/api/openapi.json`,
      '--checks', CHECKS.join(','),
      '--max-examples', '20',
      '--max-time', SECONDS,
      '--seed', SEED,
      '--workers', '1',
      '--no-shrink',
      '--request-timeout', '20',
      '--report', 'junit', '--report-junit-path', junit,
    ];
    console.log(`      schemathesis seed ${SEED} (replay: DSDB_SCHEMATHESIS_SEED=${SEED}), ${SECONDS} s`);
    const { code, output } = await run(bin, args, dir);
    const summary = /Test cases:\s*\n?\s*(.*)/.exec(output)?.[1]?.trim();
    if (summary) console.log(`      ${summary}`);
    expect(code, output.slice(-6000)).to.equal(0);
    // it ran: every operation of the description was tested
    const report = fs.readFileSync(junit, 'utf8');
    const tested = Number(/<testsuites[^>]* tests="(\d+)"/.exec(report)?.[1] ?? 0);
    const operations = Object.values(((await (await fetch(`${daemon.base}/api/openapi.json`)).json()) as { paths: Record<string, object> }).paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(tested, 'operations tested').to.be.at.least(operations);
    expect(report).to.not.match(/<failure|<error/);
  });
});
