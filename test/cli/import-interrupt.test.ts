import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { runWithStdin, writeCliConfig } from '../helpers/cli';
import { BIN, runDsdb, scratchDir } from '../helpers/daemon';

/** The import's interruption line: points stored, the last line read, the line to resume from. */
const INTERRUPTED = /dsdb import: interrupted: (\d+) points stored, up to line (\d+) of stdin; resume with --resume-from (\d+) -\n$/;

/**
 * Starts `dsdb import -` in `dir`, waits until it holds the data directory's lock (its
 * signal handlers are in place before storage opens), writes `lines` to its stdin and
 * leaves stdin open (the import waits for more), sends `signal`, and returns its exit
 * code and stderr.
 */
async function interruptImport(dir: string, lines: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'import', '--batch', '100', '-'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = once(child, 'exit');
  while (!fs.existsSync(path.join(dir, 'data', 'LOCK'))) await sleep(10);
  child.stdin!.write(lines.join('\n') + '\n');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return { code, stderr };
}

describe('dsdb import: Ctrl-C, SIGTERM, SIGHUP', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = scratchDir('cli-interrupt');
    writeCliConfig(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores what it read, names the line to resume from, and resuming there completes the import', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `int.m ${1700000000 + i} ${i} host=a`);
    const { code, stderr } = await interruptImport(dir, lines, 'SIGINT');
    expect(code, stderr).to.equal(130);
    const m = INTERRUPTED.exec(stderr);
    expect(m, stderr).to.not.equal(null);
    const resumeAt = Number(m![3]);
    expect(Number(m![2])).to.equal(resumeAt - 1);
    expect(Number(m![1])).to.equal(resumeAt - 1);
    // exactly the lines before the resume line are stored
    const stored = (await runDsdb(['export'], dir)).stdout;
    expect(stored).to.equal(lines.slice(0, resumeAt - 1).map((l) => l + '\n').join(''));

    const resumed = await runWithStdin(['import', '--resume-from', String(resumeAt), '-'], dir, lines.join('\n') + '\n');
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect((await runDsdb(['export'], dir)).stdout).to.equal(lines.map((l) => l + '\n').join(''));
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`stops the same way on ${signal} (timeout, systemd, docker stop; a closed terminal), exit ${code}`, async () => {
      const own = scratchDir(`cli-interrupt-${signal}`);
      try {
        writeCliConfig(own);
        const lines = Array.from({ length: 500 }, (_, i) => `sig.m ${1700000000 + i} ${i} host=a`);
        const { code: exitCode, stderr } = await interruptImport(own, lines, signal);
        expect(exitCode, stderr).to.equal(code);
        const m = INTERRUPTED.exec(stderr);
        expect(m, stderr).to.not.equal(null);
        const stored = (await runDsdb(['export'], own)).stdout;
        expect(stored).to.equal(lines.slice(0, Number(m![3]) - 1).map((l) => l + '\n').join(''));
      } finally {
        fs.rmSync(own, { recursive: true, force: true });
      }
    });
  }
});
