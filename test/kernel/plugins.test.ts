import { expect } from 'chai';
import { definePlugin } from '../../core';
import { exchange } from '../helpers/clients';
import { startDaemon } from '../helpers/daemon';
import { getTelnetHooks } from '../../lib/telnet';

describe('features are plugins', () => {
  it('without the telnet plugin the port stops answering telnet, with no code change', async () => {
    const withTelnet = await startDaemon({ plugins: ['http', 'telnet'] });
    const withoutTelnet = await startDaemon({ plugins: ['http'] });
    try {
      expect((await exchange(withTelnet.port, ['version\n'])).data).to.match(/^dsdb /);
      const reply = await exchange(withoutTelnet.port, ['version\n'], { idleMs: 1000 });
      expect(reply.data).to.equal('');
      expect(reply.closed).to.equal(true);
      // …while HTTP on the same port keeps working.
      expect((await fetch(`http://127.0.0.1:${withoutTelnet.port}/api/version`)).status).to.equal(200);
    } finally {
      await withTelnet.stop();
      await withoutTelnet.stop();
    }
  });

  it('loads the example third-party plugin by path: its telnet command and HTTP route work', async () => {
    const daemon = await startDaemon({ plugins: ['http', 'telnet', ['./examples/hello-plugin', { greeting: 'Hello' }]] });
    try {
      expect((await exchange(daemon.port, ['hello\n'])).data).to.equal('Hello, world!\n');
      const res = await fetch(`http://127.0.0.1:${daemon.port}/api/hello?name=DSDB`);
      expect(await res.json()).to.deep.equal({ message: 'Hello, DSDB!' });
      expect((await exchange(daemon.port, ['help\n'])).data).to.contain(' hello ');
    } finally {
      await daemon.stop();
    }
  });

  it('registers plugins after their dependencies, whatever the config order', async () => {
    const order: string[] = [];
    const a = definePlugin({ name: 'a', dependencies: ['b'], register: () => void order.push('a') });
    const b = definePlugin({ name: 'b', register: () => void order.push('b') });
    const daemon = await startDaemon({ plugins: [a, b] });
    await daemon.stop();
    expect(order).to.deep.equal(['b', 'a']);
  });

  it('refuses a plugin whose dependency is not loaded', async () => {
    const a = definePlugin({ name: 'a', dependencies: ['missing'], register: () => undefined });
    let message = '';
    await startDaemon({ plugins: [a] }).catch((err: Error) => (message = err.message));
    expect(message).to.match(/plugins\[0\] \(a\): needs plugin "missing"/);
  });

  it('refuses two plugins claiming one telnet command name', async () => {
    const clash = definePlugin({
      name: 'clash',
      register({ hooks }) {
        getTelnetHooks(hooks).commands.tap('clash', (commands) => commands.add('help', { execute: () => undefined }, 'clash'));
      },
    });
    let message = '';
    await startDaemon({ plugins: ['telnet', clash] }).catch((err: Error) => (message = err.message));
    expect(message).to.equal('telnet command "help" is registered twice (by plugin "telnet" and by plugin "clash")');
  });

  it('runs lifecycle hooks in order: starting, ready, stopping, closed', async () => {
    const events: string[] = [];
    const watcher = definePlugin({
      name: 'watcher',
      register({ hooks }) {
        hooks.kernel.starting.tap('watcher', () => void events.push('starting'));
        hooks.kernel.ready.tap('watcher', ({ port }) => void events.push(`ready:${port > 0}`));
        hooks.kernel.stopping.tapPromise('watcher', async () => void events.push('stopping'));
        hooks.kernel.closed.tap('watcher', () => void events.push('closed'));
      },
    });
    const daemon = await startDaemon({ plugins: [watcher] });
    await daemon.stop();
    expect(events).to.deep.equal(['starting', 'ready:true', 'stopping', 'closed']);
  });
});
