import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';
import { clientRows, EXPECTED_CLIENT_ROWS } from './client-rows';

const run = promisify(execFile);
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'java-client');

describe('Java client over protobuf, HTTP and raw TCP (examples/java-client) @integration', function () {
  // The first build installs protoc (Debian) if missing and fetches protobuf-java and Jackson from Maven Central (cached in ~/.m2).
  this.timeout(600_000);
  let daemon: RunningDaemon;
  let classpath: string;
  before(async () => {
    const { stdout } = await run('bash', [path.join(EXAMPLE, 'build.sh')], { cwd: EXAMPLE, maxBuffer: 16 << 20 });
    classpath = stdout.trim().split('\n').pop()!;
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'protobuf', 'put-http', 'aggregators-opentsdb', 'query'] });
  });
  after(() => daemon?.stop());

  it('writes int64 and double points both ways, reads them back exactly over /api/query, and says so', async () => {
    const { stdout } = await run('java', ['-cp', classpath, 'example.WriteAndRead', '--port', String(daemon.port), '--metric', 'java.rt'], { cwd: EXAMPLE });
    expect(JSON.parse(stdout)).to.deep.equal({ http: { success: 7, failed: 0 }, tcp: { id: 1, written: 7, failed: 0 }, checked: 14, series: 14 });
    expect(clientRows(await readPoints(daemon, 'java.rt'))).to.have.deep.members(EXPECTED_CLIENT_ROWS);
  });

  it('exits non-zero when what it reads back differs from what it wrote', async () => {
    // The same metric again, with a stale point of another value under one of its series: the check must catch it.
    await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync`, { method: 'POST', body: JSON.stringify({ metric: 'java.bad', timestamp: 1356998400500, value: 1, tags: { via: 'http', k: 'int.max' } }) });
    const failed = await run('java', ['-cp', classpath, 'example.WriteAndRead', '--port', String(daemon.port), '--metric', 'java.bad'], { cwd: EXAMPLE }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).to.equal(1);
    expect(failed?.stderr).to.match(/mismatch: http int\.max: want one point at 1356998400000 ms/);
  });
});
