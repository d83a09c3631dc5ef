import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const run = promisify(execFile);
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'python-client');

describe('Python client over raw TCP protobuf (examples/python-client) @integration', function () {
  // The first run creates a venv and pip-installs protobuf + grpcio-tools.
  this.timeout(300_000);
  let daemon: RunningDaemon;
  let python: string;
  before(async () => {
    const { stdout } = await run('python3', [path.join(EXAMPLE, 'bootstrap.py')], { cwd: EXAMPLE });
    python = stdout.trim().split('\n').pop()!;
    daemon = await startDaemon({ plugins: ['telnet', 'storage-memory', 'protobuf'] });
  });
  after(() => daemon?.stop());

  it('writes every value kind that reads back exactly, and gets the refused point in its ack', async () => {
    const { stdout } = await run(python, [path.join(EXAMPLE, 'write_points.py'), '--port', String(daemon.port), '--metric', 'py.rt'], { cwd: EXAMPLE });
    const ack = JSON.parse(stdout) as { written: number; failed: number; errors: { index: number; message: string }[]; error: string };
    expect(ack).to.deep.equal({ id: 1, written: 7, failed: 1, errors: [{ index: 7, message: 'Missing tags' }], error: '' });
    const rows = (await readPoints(daemon, 'py.rt')).map((p) => [p.tags.k, p.timestamp, p.kind, p.value]);
    expect(rows).to.have.deep.members([
      ['int.max', 1356998400000, 'int', 9223372036854775807n],
      ['int.min', 1356998400000, 'int', -9223372036854775808n],
      ['int.2p53p1', 1356998400000, 'int', 9007199254740993n],
      ['float', 1356998400000, 'float', 0.1],
      ['float.ms', 1356998400123, 'float', -2.5e-300],
      ['string', 1356998400000, 'string', 'spaces, "quotes", ünïcode ✓'],
      ['json', 1356998400000, 'json', '{"a":true,"b":{"c":[1,"x y"]}}'],
    ]);
  });
});
