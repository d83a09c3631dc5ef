import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

describe('telnet plugin: OpenTSDB line protocol framing and built-in commands', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: [['telnet', { maxLineLength: 1024 }]] });
  });
  after(() => daemon.stop());

  it('answers an unknown command like OpenTSDB (T35) and an empty line (T36)', async () => {
    const reply = await exchange(daemon.port, ['foo\n\n']);
    expect(reply.data).to.equal("unknown command: foo.  Try `help'.\nunknown command: .  Try `help'.\n");
  });

  it('lists its commands with help, each followed by one space, in the order OpenTSDB registers them (T37 form)', async () => {
    const reply = await exchange(daemon.port, ['help\n']);
    expect(reply.data).to.equal('available commands: version exit help \n');
    // with the write and read plugins: OpenTSDB 2.4.1 answers `stats dropcaches version exit help put rollup histogram ` (measured)
    const full = await startDaemon({ plugins: ['http', 'telnet', 'put-telnet', 'read-api', 'storage-memory'] });
    try {
      expect((await exchange(full.port, ['help\n'])).data).to.equal('available commands: stats dropcaches version exit help put \n');
    } finally {
      await full.stop();
    }
  });

  it('runs many commands from one packet, in order, and strips \\r (T43)', async () => {
    const reply = await exchange(daemon.port, ['foo\r\nbar\nversion\n']);
    const lines = reply.data.split('\n');
    expect(lines[0]).to.equal("unknown command: foo.  Try `help'.");
    expect(lines[1]).to.equal("unknown command: bar.  Try `help'.");
    expect(lines[2]).to.match(/^dsdb /);
  });

  it('joins a line split across packets', async () => {
    const reply = await exchange(daemon.port, ['ver', 'si', 'on\n'], { gapMs: 30 });
    expect(reply.data).to.match(/^dsdb /);
  });

  it('runs the lines after a joined one in the same packet, in order', async () => {
    const reply = await exchange(daemon.port, ['he', 'lp\nfoo\nhe', 'lp\nbar\n'], { gapMs: 30 });
    const lines = reply.data.split('\n');
    expect(lines[0]).to.match(/^available commands: /);
    expect(lines[1]).to.equal("unknown command: foo.  Try `help'.");
    expect(lines[2]).to.match(/^available commands: /);
    expect(lines[3]).to.equal("unknown command: bar.  Try `help'.");
  });

  it('closes the connection on exit, with no reply (T41)', async () => {
    const reply = await exchange(daemon.port, ['exit\n'], { idleMs: 2000 });
    expect(reply.closed).to.equal(true);
    expect(reply.data).to.equal('');
  });

  it('takes a line of exactly the limit whose \\r\\n is split across packets (the \\r is not counted), and closes at one byte more', async () => {
    const line = 'x'.repeat(1024);
    const unknown = `unknown command: ${line}.  Try \`help'.`;
    for (const chunks of [[`${line}\r`, '\nversion\n'], [line, '\r', '\nversion\n']]) {
      const reply = await exchange(daemon.port, chunks, { gapMs: 30 });
      const lines = reply.data.split('\n');
      expect(lines[0], JSON.stringify(chunks.map((c) => c.length))).to.equal(unknown);
      expect(reply.data).to.match(/^dsdb /m);
      expect(reply.closed).to.equal(false);
    }
    const over = await exchange(daemon.port, [`${line}x\r`, '\nversion\n'], { gapMs: 30, idleMs: 2000 });
    expect(over.closed).to.equal(true);
    expect(over.data).to.equal('');
  });

  it('closes the connection on a line over the limit (T42) and keeps serving others', async () => {
    const reply = await exchange(daemon.port, ['x'.repeat(1100)], { idleMs: 2000 });
    expect(reply.closed).to.equal(true);
    const next = await exchange(daemon.port, ['help\n']);
    expect(next.data).to.match(/^available commands: /);
  });
});
