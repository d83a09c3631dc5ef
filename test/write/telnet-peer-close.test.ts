/**
 * A client that writes its lines and closes its side at once (printf … | nc, a script's
 * socket.end()) loses none of them: while the session waits (puts parsed on a worker
 * settling before a `version`), the socket reaches its end and closes, and the lines
 * already received still run (plugins/telnet/session.ts). Found by a review: before the
 * fix, every put after the last non-put line was dropped with parseWorkers ≥ 1.
 */
import net from 'node:net';
import { expect } from 'chai';
import { startDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

async function sendAndClose(port: number, text: string): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  socket.resume();
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.end(text);
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

describe('telnet: lines after a non-put line, then the client closes @integration', () => {
  for (const parseWorkers of [0, 1]) {
    for (const middle of ['', 'version']) {
      it(`stores both puts around ${middle ? '`version`' : 'an empty line'} (parseWorkers ${parseWorkers})`, async () => {
        const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers }]] });
        try {
          await sendAndClose(daemon.port, `put eof.m 1356998400 1 host=a\n${middle}\nput eof.m 1356998401 2 host=a\n`);
          // the second put is written after the connection closed: wait for it (at most 5 s)
          let values: number[] = [];
          for (let i = 0; i < 100 && values.length < 2; i++) {
            values = (await readPoints(daemon, 'eof.m')).map((p) => Number(p.value));
            if (values.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
          }
          expect(values).to.deep.equal([1, 2]);
        } finally {
          await daemon.stop();
        }
      });
    }
  }
});
