/**
 * Without the Riak release tarball the Riak suites are skipped, loudly, on a developer's
 * machine, and fail under CI=true; scripts/riak.sh says which file is missing and exits 3.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';
import { riakAvailability, riakRelease } from './riak';

describe('storage-riak test set-up: a missing Riak release', () => {
  it('runs when the release exists, skips without it, and fails without it under CI=true', () => {
    expect(riakAvailability({ DSDB_RIAK_RELEASE: '/some/riak.tgz' }, () => true)).to.deep.equal({ run: true });
    const skipped = riakAvailability({ DSDB_RIAK_RELEASE: '/nonexistent/riak.tgz' });
    expect(skipped).to.deep.include({ run: false, fail: false });
    expect((skipped as { message: string }).message).to.contain('/nonexistent/riak.tgz').and.to.contain('SKIPPED');
    const failed = riakAvailability({ DSDB_RIAK_RELEASE: '/nonexistent/riak.tgz', CI: 'true' });
    expect(failed).to.deep.include({ run: false, fail: true });
    expect((failed as { message: string }).message).to.contain('FAIL under CI=true');
  });

  it('looks for the release beside the repository by default, as scripts/riak.sh does', () => {
    expect(riakRelease({})).to.equal(path.join(REPO_ROOT, '..', 'shared', 'research', 'riak', 'riak-3.2.2p1-rel-debian12-amd64.tgz'));
  });

  it('scripts/riak.sh names the missing release and exits 3', async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(path.join(REPO_ROOT, 'scripts', 'riak.sh'), ['start'], { env: { ...process.env, DSDB_RIAK_RELEASE: '/nonexistent/riak.tgz', DSDB_RIAK_PORT: '1' } }, (_err, _stdout, stderr) => resolve({ code: child.exitCode, stderr }));
    });
    expect(result.code).to.equal(3);
    expect(result.stderr).to.contain('the Riak release is missing: /nonexistent/riak.tgz');
  });
});
