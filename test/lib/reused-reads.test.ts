import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import { readIntoReusedBuffer, SMALL_READ_BYTES } from '../../lib/net';
import { REPO_ROOT } from '../helpers/daemon';

const TLS_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');

/** A server whose accepted socket goes to `onSocket`; resolves with its port. */
async function serve(onSocket: (socket: net.Socket) => void): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server };
}

/** Writes each part, waiting `gapMs` between them (each its own read on the other side), then ends. */
async function send(port: number, parts: string[], gapMs = 40): Promise<void> {
  const client = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  for (const part of parts) {
    client.write(part);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  client.end();
}

describe('lib/net readIntoReusedBuffer: socket reads into one reused buffer', () => {
  it('hands every read, in order, as views of the same buffer while none is held', async () => {
    const views: Buffer[] = [];
    const texts: string[] = [];
    let switched = false;
    const ended = new Promise<void>((resolve) => {
      void serve((socket) => {
        switched = readIntoReusedBuffer(socket, 64, (bytes) => {
          views.push(bytes);
          texts.push(bytes.toString());
          return false;
        });
        socket.on('end', resolve);
        socket.resume();
      }).then(({ port, server }) => send(port, ['one\n', 'two\n', 'three\n']).then(() => ended.then(() => server.close())));
    });
    await ended;
    expect(switched).to.equal(true);
    expect(texts).to.deep.equal(['one\n', 'two\n', 'three\n']);
    // the same memory each time: the later reads overwrote the first one's bytes
    expect(new Set(views.map((v) => v.buffer)).size).to.equal(1);
    expect(views[0]!.toString()).to.not.equal('one\n');
  });

  it('gives the next read a fresh buffer when the last one is held, and never writes into it again', async () => {
    const held: Buffer[] = [];
    const all: string[] = [];
    const ended = new Promise<void>((resolve) => {
      void serve((socket) => {
        readIntoReusedBuffer(socket, 64, (bytes) => {
          all.push(bytes.toString());
          // hold every other read
          if (all.length % 2 === 1) {
            held.push(bytes);
            return true;
          }
          return false;
        });
        socket.on('end', resolve);
        socket.resume();
      }).then(({ port, server }) => send(port, ['alpha\n', 'beta\n', 'gamma\n', 'delta\n', 'epsilon\n']).then(() => ended.then(() => server.close())));
    });
    await ended;
    expect(all).to.deep.equal(['alpha\n', 'beta\n', 'gamma\n', 'delta\n', 'epsilon\n']);
    expect(held.map((b) => b.toString())).to.deep.equal(['alpha\n', 'gamma\n', 'epsilon\n']);
    expect(new Set(held.map((b) => b.buffer)).size).to.equal(3);
  });

  it('starts small, reads at full size once a read fills the buffer, and goes back to small after a short read', async () => {
    const sizes: number[] = [];
    let total = 0;
    const big = 'x'.repeat(300 * 1024);
    const ended = new Promise<void>((resolve) => {
      void serve((socket) => {
        readIntoReusedBuffer(socket, 64 * 1024, (bytes) => {
          sizes.push(bytes.buffer.byteLength);
          total += bytes.length;
          return false;
        });
        socket.on('end', resolve);
        socket.resume();
      }).then(({ port, server }) => send(port, ['tiny\n', big, 'tail\n', 'end\n'], 100).then(() => ended.then(() => server.close())));
    });
    await ended;
    expect(total).to.equal(5 + big.length + 5 + 4);
    expect(sizes[0]).to.equal(SMALL_READ_BYTES);
    expect(sizes).to.include(64 * 1024);
    // a short read (a line, after the large ones) sends the next read to a small buffer again
    expect(sizes[sizes.length - 1]).to.equal(SMALL_READ_BYTES);
  });

  it('leaves bytes the stream buffered (a detector unshift) to the data listener, first', async () => {
    const order: string[] = [];
    const ended = new Promise<void>((resolve) => {
      void serve((socket) => {
        socket.pause();
        socket.unshift(Buffer.from('head|'));
        socket.on('data', (chunk: Buffer) => order.push(`data:${chunk.toString()}`));
        readIntoReusedBuffer(socket, 64, (bytes) => {
          order.push(`read:${bytes.toString()}`);
          return false;
        });
        socket.on('end', resolve);
        socket.resume();
      }).then(({ port, server }) => send(port, ['rest']).then(() => ended.then(() => server.close())));
    });
    await ended;
    expect(order).to.deep.equal(['data:head|', 'read:rest']);
  });

  it('pauses and resumes as a stream does: no read while paused, all bytes after', async () => {
    const texts: string[] = [];
    let paused = false;
    let readWhilePaused = false;
    const ended = new Promise<void>((resolve) => {
      void serve((socket) => {
        readIntoReusedBuffer(socket, 64, (bytes) => {
          if (paused) readWhilePaused = true;
          texts.push(bytes.toString());
          if (texts.length === 1) {
            paused = true;
            socket.pause();
            setTimeout(() => {
              paused = false;
              socket.resume();
            }, 150);
          }
          return false;
        });
        socket.on('end', resolve);
        socket.resume();
      }).then(({ port, server }) => send(port, ['a\n', 'b\n', 'c\n'], 30).then(() => ended.then(() => server.close())));
    });
    await ended;
    expect(readWhilePaused).to.equal(false);
    expect(texts.join('')).to.equal('a\nb\nc\n');
  });

  it('changes nothing on streams that are not plain sockets (a PassThrough, a TLS socket)', async () => {
    expect(readIntoReusedBuffer(new PassThrough(), 64, () => false)).to.equal(false);
    const server = tls.createServer({ cert: fs.readFileSync(path.join(TLS_FIXTURES, 'cert.pem')), key: fs.readFileSync(path.join(TLS_FIXTURES, 'key.pem')) });
    let result: boolean | undefined;
    const got = new Promise<string>((resolve) => {
      server.on('secureConnection', (socket) => {
        result = readIntoReusedBuffer(socket, 64, () => false);
        socket.on('data', (chunk: Buffer) => resolve(chunk.toString()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false }, () => client.write('over tls'));
    expect(await got).to.equal('over tls');
    expect(result).to.equal(false);
    client.destroy();
    server.close();
  });
});
