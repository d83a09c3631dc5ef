/** Minimal real clients: raw TCP (telnet), raw HTTP bytes, and fetch. */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawExchange {
  /** everything the server sent */
  data: string;
  /** whether the server closed the connection */
  closed: boolean;
}

/**
 * Connects, writes `chunks` (with `gapMs` between them), then collects the reply until
 * the server closes or `idleMs` passes without bytes.
 */
export async function exchange(
  port: number,
  chunks: (string | Buffer)[],
  options: { gapMs?: number; idleMs?: number; host?: string } = {},
): Promise<RawExchange> {
  const { gapMs = 0, idleMs = 300, host = '127.0.0.1' } = options;
  const socket = net.connect({ port, host });
  socket.setNoDelay(true);
  let data = '';
  let closed = false;
  let lastByte = Date.now();
  socket.on('data', (chunk) => {
    data += chunk.toString('utf8');
    lastByte = Date.now();
  });
  socket.on('error', () => undefined);
  const done = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  for (const chunk of chunks) {
    if (closed) break;
    socket.write(chunk);
    if (gapMs) await sleep(gapMs);
  }
  lastByte = Date.now();
  while (!closed && Date.now() - lastByte < idleMs) await Promise.race([sleep(20), done]);
  socket.destroy();
  return { data, closed };
}

/** Splits a string into one-byte chunks, to test detection over split packets. */
export function bytewise(text: string): Buffer[] {
  return [...Buffer.from(text)].map((byte) => Buffer.from([byte]));
}
