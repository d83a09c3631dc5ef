/** Loaders: send a prepared dataset over telnet (N connections) or HTTP /api/put. */
import http from 'node:http';
import net from 'node:net';
import { share } from './dataset';

/** Writes every chunk over `connections` sockets; resolves when all bytes are handed to the kernel. */
export async function sendTelnet(port: number, chunks: Buffer[], connections: number): Promise<void> {
  await Promise.all(
    share(chunks, connections).map(
      (mine) =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1');
          socket.on('error', reject);
          socket.on('data', () => undefined); // error replies are not read, as collectors don't
          let i = 0;
          const pump = () => {
            while (i < mine.length) {
              if (!socket.write(mine[i++]!)) return void socket.once('drain', pump);
            }
            socket.end(() => resolve());
          };
          socket.once('connect', pump);
        }),
    ),
  );
}

/** POSTs each body to `url` with `concurrency` requests in flight; fails on a non-2xx. */
export async function sendHttp(url: string, bodies: Buffer[], concurrency = 4, contentType = 'application/json'): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          { host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } },
          (res) => {
            res.resume();
            res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${url} answered ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

/** GET returning parsed JSON. */
export async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return res.json();
}
