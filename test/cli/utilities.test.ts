import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { runWithStdin, writeCliConfig } from '../helpers/cli';
import { REPO_ROOT, runDsdb, scratchDir, spawnDaemon } from '../helpers/daemon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const DATA = [
  'u.cpu 1700000000 1 host=a',
  'u.cpu 1700000010 2 host=a',
  'u.cpu 1700000020 3 host=a',
  'u.cpu 1700000000 10 host=b',
  'u.mem 1700000000 5.5 host=a',
  'u.mem 1700000010 "full" host=a',
];

describe('dsdb scan, uid, plugins, config, help', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = scratchDir('cli-utils');
    writeCliConfig(dir);
    fs.writeFileSync(path.join(dir, 'in.txt'), DATA.join('\n') + '\n');
    const imported = await runDsdb(['import', '--quiet', 'in.txt'], dir);
    expect(imported.code, imported.stderr).to.equal(0);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('scan prints raw points of a range; --delete asks, and deletes only on yes', async () => {
    const all = await runDsdb(['scan', '1700000000', '1700000010', 'u.cpu'], dir);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.equal('u.cpu 1700000000 1 host=a\nu.cpu 1700000010 2 host=a\nu.cpu 1700000000 10 host=b\n');
    const one = await runDsdb(['scan', '--format', 'json', '1700000000', '1700000030', 'u.cpu', 'host=b'], dir);
    expect(one.stdout).to.equal('{"metric":"u.cpu","timestamp":1700000000,"value":10,"tags":{"host":"a"}}\n'.replace('"a"', '"b"'));

    const declined = await runWithStdin(['scan', '--delete', '--quiet', '1700000000', '1700000010', 'u.cpu', 'host=a'], dir, 'n\n');
    expect(declined.code, declined.stderr).to.equal(0);
    expect(declined.stderr).to.contain('delete 2 point(s) of 1 series between 2023-11-14T22:13:20.000Z and 2023-11-14T22:13:30.000Z? [y/N] not deleted');
    expect((await runDsdb(['export', 'u.cpu'], dir)).stdout.split('\n').length - 1).to.equal(4);

    const accepted = await runWithStdin(['scan', '--delete', '--quiet', '1700000000', '1700000010', 'u.cpu', 'host=a'], dir, 'y\n');
    expect(accepted.code, accepted.stderr).to.equal(0);
    expect(accepted.stderr).to.contain('deleted 2 point(s)');
    expect((await runDsdb(['export', 'u.cpu'], dir)).stdout).to.equal('u.cpu 1700000020 3 host=a\nu.cpu 1700000000 10 host=b\n');

    const forced = await runDsdb(['scan', '--delete', '--yes', '--quiet', '1700000000', 'u.mem'], dir);
    expect(forced.code, forced.stderr).to.equal(0);
    expect((await runDsdb(['export', 'u.mem'], dir)).stdout).to.equal('');
    expect((await runDsdb(['scan', 'u.mem'], dir)).code, 'START is required and must be a time').to.equal(2);

    // times beyond what a Date holds: bad usage before anything is read, not a failure after the scan
    const late = await runDsdb(['scan', '--delete', '1700000000', '99999999999999999999', 'u.cpu'], dir);
    expect(late.code, late.stderr).to.equal(2);
    expect(late.stdout).to.equal('');
    expect(late.stderr).to.match(/^dsdb scan: END: "99999999999999999999" is after 9999999999999 \(the largest millisecond timestamp\)/);
    // a relative START before 1970 reads from the beginning
    const early = await runWithStdin(['scan', '--delete', '999999999y-ago', 'u.cpu', 'host=b'], dir, 'n\n');
    expect(early.code, early.stderr).to.equal(0);
    expect(early.stdout).to.equal('u.cpu 1700000000 10 host=b\n');
    expect(early.stderr).to.contain('between 1970-01-01T00:00:00.000Z and');
  });

  it('export into a pipe whose reader stops early (`| head`) ends quietly with exit 0', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `u.pipe ${1700000000 + i} ${i} host=h${i % 7}`);
    fs.writeFileSync(path.join(dir, 'many.txt'), many.join('\n') + '\n');
    expect((await runDsdb(['import', '--quiet', 'many.txt'], dir)).code).to.equal(0);
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'dsdb.js'), 'export', 'u.pipe'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    const first = await new Promise<string>((resolve) => child.stdout!.once('data', (c: Buffer) => resolve(c.toString())));
    child.stdout!.destroy(); // as head does after its lines: the pipe's read end closes
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(first).to.match(/^u\.pipe 1700000000 0 host=h0\n/);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });

  it('export, scan, uid and query over --url name the answer when the server there is not a daemon (a 200 of another shape)', async () => {
    const server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"foo":1}')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const [args, expected] of [
        [['export', '--url', url, 'u.cpu'], 'that is not an /api/query answer'],
        [['export', '--url', url], 'that is not an array of names'],
        [['scan', '--url', url, '1700000000', 'u.cpu'], 'that is not an /api/query answer'],
        [['scan', '--delete', '--yes', '--url', url, '1700000000', 'u.cpu'], 'that is not an /api/query answer'],
        [['uid', 'list', 'metrics', '--url', url], 'that is not an array of names'],
        [['query', '--url', url, '1700000000', 'sum', 'u.cpu'], 'that is not an /api/query answer'],
      ] as [string[], string][]) {
        const run = await runDsdb(args, dir);
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).to.equal(1);
        expect(run.stderr, args.join(' ')).to.contain(expected).and.contain('{"foo":1}').and.not.contain('is not a function');
        expect(run.stdout, args.join(' ')).to.equal('');
      }
    } finally {
      server.close();
    }
  });

  it('export of a metric the store has none of exits 1 naming it, as over --url; a selection matching no series exits 0 with a note (export and scan)', async () => {
    const unknown = await runDsdb(['export', 'u.cpu', 'u.nope'], dir);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.equal("dsdb export: No such name for 'metrics': 'u.nope'\n");
    const scanned = await runDsdb(['scan', '1700000000', '1700000020', 'u.nope'], dir);
    expect(scanned.code).to.equal(1);
    expect(scanned.stderr).to.contain("No such name for 'metrics': 'u.nope'");
    const none = await runDsdb(['export', 'u.cpu', 'host=zz'], dir);
    expect(none.code, none.stderr).to.equal(0);
    expect(none.stdout).to.equal('');
    expect(none.stderr).to.equal('no series matched the selection in the range: nothing exported\n');
    // scan says the same: its stdout stays empty, the note goes to stderr
    const emptyScan = await runDsdb(['scan', '1700000000', '1700000020', 'u.cpu', 'host=zz'], dir);
    expect([emptyScan.code, emptyScan.stdout, emptyScan.stderr]).to.deep.equal([0, '', 'no series matched the selection in the range: nothing printed\n']);
    const emptyRange = await runDsdb(['scan', '1600000000', '1600000020', 'u.cpu'], dir);
    expect([emptyRange.code, emptyRange.stdout, emptyRange.stderr]).to.deep.equal([0, '', 'no series matched the selection in the range: nothing printed\n']);
    const daemon = await spawnDaemon([], dir);
    try {
      const remote = await runDsdb(['export', '--url', `http://127.0.0.1:${daemon.port}`, 'u.nope'], dir);
      expect(remote.code).to.equal(1);
      expect(remote.stderr).to.contain("No such name for 'metrics': 'u.nope'");
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('export and scan over --url give what they give on storage', async () => {
    const local = await runDsdb(['export'], dir);
    const localScan = await runDsdb(['scan', '1700000000', '1700000020', 'u.cpu', 'u.mem'], dir);
    const daemon = await spawnDaemon([], dir);
    try {
      const url = `http://127.0.0.1:${daemon.port}`;
      const remote = await runDsdb(['export', '--url', url], dir);
      expect(remote.code, remote.stderr).to.equal(0);
      expect(remote.stdout).to.equal(local.stdout);
      const remoteScan = await runDsdb(['scan', '--url', url, '1700000000', '1700000020', 'u.cpu', 'u.mem'], dir);
      expect(remoteScan.stdout).to.equal(localScan.stdout);
      expect((await runDsdb(['uid', 'list', 'tagv', '--url', url], dir)).stdout).to.equal('a\nb\n');
      // commands that need no storage never touch the data directory the daemon holds
      expect((await runDsdb(['plugins'], dir)).code).to.equal(0);
      const locked = await runDsdb(['uid', 'list', 'tagv'], dir);
      expect(locked.code).to.equal(1);
      expect(locked.stderr).to.match(/^dsdb uid: storage-embedded: data directory .* is in use by process \d+/);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('uid lists, greps and renames names, refusing to merge into an existing one', async () => {
    expect((await runDsdb(['uid', 'list', 'metrics'], dir)).stdout).to.equal('u.cpu\nu.mem\n');
    expect((await runDsdb(['uid', 'list', 'tagk'], dir)).stdout).to.equal('host\n');
    expect((await runDsdb(['uid', 'grep', 'tagv', '^b$'], dir)).stdout).to.equal('b\n');
    expect((await runDsdb(['uid', 'grep', 'mem|host'], dir)).stdout).to.equal('metrics u.mem\ntagk host\n');

    const refused = await runDsdb(['uid', 'rename', 'metrics', 'u.mem', 'u.cpu', '--yes'], dir);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.equal('dsdb uid: metrics "u.cpu" already exists: renaming onto it would merge series\n');

    // a NEW that a put would refuse would leave series that export writes and import rejects
    for (const [kind, name] of [['metrics', 'u mem'], ['tagk', ''], ['tagv', 'a=b']]) {
      const invalid = await runDsdb(['uid', 'rename', kind!, kind === 'metrics' ? 'u.mem' : kind === 'tagk' ? 'host' : 'a', name!, '--yes'], dir);
      expect(invalid.code, `${kind} "${name}"`).to.equal(2);
      expect(invalid.stderr).to.match(/^dsdb uid: invalid NEW: Invalid (metric name|tag name|tag value)/);
    }
    expect((await runDsdb(['export'], dir)).stdout).to.equal(DATA.map((l) => l + '\n').join(''));

    const moved = await runDsdb(['uid', 'rename', 'metrics', 'u.mem', 'u.memory', '--yes'], dir);
    expect(moved.code, moved.stderr).to.equal(0);
    expect(moved.stderr).to.contain('moved 2 point(s) of 1 series');
    const tag = await runDsdb(['uid', 'rename', 'tagk', 'host', 'node', '--yes'], dir);
    expect(tag.code, tag.stderr).to.equal(0);
    // u.mem{host=a}, emptied by the rename before, is renamed too but moved no point: not counted
    expect(tag.stderr).to.contain('moved 6 point(s) of 3 series');
    expect((await runDsdb(['export'], dir)).stdout).to.equal(
      ['u.cpu 1700000000 1 node=a', 'u.cpu 1700000010 2 node=a', 'u.cpu 1700000020 3 node=a', 'u.cpu 1700000000 10 node=b', 'u.memory 1700000000 5.5 node=a', 'u.memory 1700000010 "full" node=a', ''].join('\n'),
    );
  });

  it('plugins lists plugins with versions and tapped hooks; config prints the resolved config and its file', async () => {
    const table = await runDsdb(['plugins'], dir);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/^cli +\d+\.\d+\.\d+ +built-in +cli\.commands$/m);
    const json = JSON.parse((await runDsdb(['plugins', '--json'], dir)).stdout) as { config: string; plugins: { name: string; hooks: string[] }[] };
    expect(json.config).to.equal(path.join(dir, 'dsdb.config.js'));
    const embedded = json.plugins.find((p) => p.name === 'storage-embedded')!;
    expect(embedded.hooks).to.include.members(['storage.engines', 'cli.commands', 'kernel.collectStats']);
    expect(json.plugins.map((p) => p.name)).to.include.members(['http', 'query', 'cli']);

    const config = await runDsdb(['config'], dir);
    expect(config.code, config.stderr).to.equal(0);
    expect(config.stderr).to.equal(`# config: ${path.join(dir, 'dsdb.config.js')}\n`);
    const resolved = JSON.parse(config.stdout) as { file: string; port: number; shutdownTimeoutMs: number; plugins: unknown[] };
    expect(resolved.file).to.equal(path.join(dir, 'dsdb.config.js'));
    expect(resolved.shutdownTimeoutMs, 'defaults are filled in').to.equal(10000);
  });

  it('every subcommand has --help with examples; dsdb --help lists them; unknown ones exit 2', async () => {
    const help = await runDsdb(['--help'], dir);
    expect(help.code).to.equal(0);
    const commands = ['config', 'export', 'fsck', 'import', 'plugins', 'query', 'scan', 'uid'];
    for (const name of commands) expect(help.stdout).to.match(new RegExp(`^  ${name} +\\S.*\\[[\\w-]+\\]$`, 'm'));
    for (const name of commands) {
      const own = await runDsdb([name, '--help'], dir);
      expect(own.code, name).to.equal(0);
      expect(own.stdout, name).to.match(/^Usage: dsdb /);
      expect(own.stdout, name).to.contain('Examples:');
      expect(own.stdout, name).to.contain('Exit codes:');
    }
    expect((await runDsdb(['help', 'scan'], dir)).stdout).to.match(/^Usage: dsdb scan/);
    const unknown = await runDsdb(['frobnicate'], dir);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/^dsdb: unknown command "frobnicate" \(commands: run, init, config, export, fsck, import, plugins, query, scan, uid; see dsdb --help\)\n$/);
  });
});
