/**
 * A client that writes its lines and closes its side at once (printf … | nc, a script's
 * socket.end()) loses none of them: while the session waits (puts parsed on a worker
 * settling before a `version`), the socket reaches its end and closes, and the lines
 * already received still run (plugins/telnet/session.ts). Found by a review: before the
 * fix, every put after the last non-put line was dropped with parseWorkers ≥ 1.
 */
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { expect } from 'chai';
import { REPO_ROOT, startDaemon } from '../helpers/daemon';
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

/** Sends `text`, half-closes (FIN) and gathers every byte the daemon sends back until it closes. */
async function sendHalfClose(port: number, text: string): Promise<string> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.end(text);
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  return Buffer.concat(received).toString();
}

describe('telnet: a client that half-closes gets the replies to every line it sent @integration', () => {
  for (const parseWorkers of [0, 1]) {
    it(`answers \`version\` and a bad put after puts, then closes (parseWorkers ${parseWorkers})`, async () => {
      const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers }]] });
      try {
        const replies = await sendHalfClose(daemon.port, 'put half.m 1356998400 1 host=a\nversion\nput half.m 1356998401 2 host=a\nput half.m x 3 host=a\n');
        expect(replies).to.match(/^dsdb \S+ built at revision/m);
        expect(replies).to.match(/^put: .*\bx\b/m);
        const values = (await readPoints(daemon, 'half.m')).map((p) => Number(p.value));
        expect(values).to.deep.equal([1, 2]);
      } finally {
        await daemon.stop();
      }
    });
  }
});

/** Over TLS: sends `text` and ends the connection (close_notify and FIN), gathering the replies until it closes. */
async function sendEndTls(port: number, text: string): Promise<string> {
  const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  socket.end(text);
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  return Buffer.concat(received).toString();
}

describe('telnet over TLS: a client that ends its side gets the replies @integration', () => {
  // Found by a review: the TCP socket below the TLSSocket ended itself at the client's FIN
  // (net's default), which took the TLS connection down before the replies were written.
  it('answers `version` and a bad put after a put, then closes', async () => {
    const fixtures = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');
    const daemon = await startDaemon({
      plugins: ['http', 'telnet', 'storage-memory', 'put-telnet', ['tls', { cert: `${fixtures}/cert.pem`, key: `${fixtures}/key.pem` }]],
    });
    try {
      const replies = await sendEndTls(daemon.port, 'put tlshalf.m 1356998400 1 host=a\nversion\nput tlshalf.m x 3 host=a\n');
      expect(replies).to.match(/^dsdb \S+ built at revision/m);
      expect(replies).to.match(/^put: .*\bx\b/m);
      const values = (await readPoints(daemon, 'tlshalf.m')).map((p) => Number(p.value));
      expect(values).to.deep.equal([1]);
    } finally {
      await daemon.stop();
    }
  });
});
