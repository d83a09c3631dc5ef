/**
 * The ceilings for a Node daemon on this machine: how fast one Node process can merely
 * read the telnet byte stream from a loopback socket and throw it away. DSDB's ingest
 * is reported as a fraction of it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sendTelnet } from './load';
import { freePort, waitForPort } from './process';

const DISCARD_SERVER = `
const net = require('net');
const expected = Number(process.argv[2]);
let bytes = 0;
let first = 0;
net.createServer((socket) => {
  socket.on('data', (chunk) => {
    if (!first) first = process.hrtime.bigint();
    bytes += chunk.length;
    if (bytes >= expected) {
      process.stdout.write(String(Number(process.hrtime.bigint() - first) / 1e9) + '\\n');
      process.exit(0);
    }
  });
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

/** Seconds for a separate Node process to read `chunks` over `connections` sockets and discard them. */
export async function discardCeiling(chunks: Buffer[], connections: number): Promise<number> {
  const port = await freePort();
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const child = spawn(process.execPath, ['-e', DISCARD_SERVER, String(port), String(total)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  await waitForPort(port);
  const started = process.hrtime.bigint();
  await sendTelnet(port, chunks, connections);
  await once(child, 'exit');
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.max(wall, Number(out.trim()) || 0);
}
