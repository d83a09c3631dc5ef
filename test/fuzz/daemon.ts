/**
 * The daemon the end-to-end fuzz checks talk to: the real `dsdb` bin in a child process
 * (every write and read protocol, TLS detection, in-memory storage), with one client per
 * protocol. Each call waits for the daemon's answer at most ANSWER_BOUND_MS (the "no
 * hang" oracle) and fails on a 5xx, on an error the daemon logged, or on the process gone.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';

/** The bound on each answer; detection waits up to detectTimeoutMs (1000 here) before it decides. */
export const ANSWER_BOUND_MS = 5000;
const PREAMBLE = Buffer.from([0x00, 0x44, 0x53, 0x42]);
const TLS = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');

export const FUZZ_PLUGINS = [
  'http',
  'telnet',
  ['tls', { cert: path.join(TLS, 'cert.pem'), key: path.join(TLS, 'key.pem') }],
  'put-telnet',
  'put-http',
  'protobuf',
  'prometheus-remote-write',
  'aggregators-opentsdb',
  'aggregators-discrete',
  'query',
  'read-api',
  'storage-memory',
];

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_BOUND_MS} ms: ${what}`)), ANSWER_BOUND_MS)));
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** A socket with everything it received, and whether it closed. */
class Connection {
  received = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];
  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('close', () => ((this.closed = true), this.wake()));
    socket.on('error', () => undefined);
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves once `done()` holds or the socket closed. */
  async until(done: () => boolean): Promise<void> {
    while (!done() && !this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  static open(port: number): Promise<Connection> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    return new Promise((resolve, reject) => socket.once('connect', () => resolve(new Connection(socket))).once('error', reject));
  }
}

export class FuzzDaemon {
  private telnet: Connection | undefined;
  private protobuf: Connection | undefined;
  private marks = 0;
  private errorsSeen = 0;
  private constructor(
    private readonly daemon: SpawnedDaemon,
    readonly dir: string,
  ) {}

  static async start(): Promise<FuzzDaemon> {
    const dir = scratchDir('fuzz');
    const config = { port: 0, host: '127.0.0.1', logLevel: 'info', detectTimeoutMs: 1000, storage: 'memory', plugins: FUZZ_PLUGINS };
    fs.writeFileSync(path.join(dir, 'dsdb.config.cjs'), `module.exports = ${JSON.stringify(config, null, 2)};\n`);
    return new FuzzDaemon(await spawnDaemon([], dir), dir);
  }

  get port(): number {
    return this.daemon.port;
  }

  /** The process runs, and logged no error since the last call (a caught bug is still a bug). */
  checkHealth(what: string): void {
    const d = this.daemon.child;
    if (d.exitCode !== null || d.signalCode !== null) throw new Error(`daemon exited (${d.exitCode ?? d.signalCode}) after ${what}:\n${this.daemon.output().slice(-2000)}`);
    // the http plugin logs every 5xx: each is a finding
    const errors = this.daemon.output().split('\n').filter((l) => /"level":(50|60)/.test(l));
    if (errors.length > this.errorsSeen) {
      const fresh = errors.slice(this.errorsSeen);
      this.errorsSeen = errors.length;
      throw new Error(`daemon logged an error after ${what}: ${fresh[0]!.slice(0, 600)}`);
    }
  }

  async http(method: string, url: string, body?: Buffer, contentType?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const what = `${method} ${url.slice(0, 300)}`;
    const res = await withTimeout(
      fetch(`http://127.0.0.1:${this.port}${url}`, { method, body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers }, signal: AbortSignal.timeout(ANSWER_BOUND_MS + 1000) }).then(async (r) => ({ status: r.status, text: await r.text() })),
      what,
    );
    this.checkHealth(what);
    return res;
  }

  /** Sends the line(s) and then an unknown command as a mark: its answer proves every line before it was read. */
  async telnetLine(line: Buffer): Promise<void> {
    if (!this.telnet || this.telnet.closed) this.telnet = await Connection.open(this.port);
    const conn = this.telnet;
    const mark = `fuzzmark${++this.marks}`;
    const expected = Buffer.from(`unknown command: ${mark}.`);
    conn.received = Buffer.alloc(0);
    conn.socket.write(Buffer.concat([line, Buffer.from(`\n${mark}\n`)]));
    await withTimeout(conn.until(() => conn.received.includes(expected)), `telnet ${JSON.stringify(line.toString('latin1').slice(0, 200))}`);
    this.checkHealth('a telnet line');
  }

  /** One framed WriteRequest over raw TCP; its ack (or the connection closed) is the answer. */
  async protobufFrame(payload: Buffer): Promise<void> {
    if (!this.protobuf || this.protobuf.closed) {
      this.protobuf = await Connection.open(this.port);
      this.protobuf.socket.write(PREAMBLE);
    }
    const conn = this.protobuf;
    conn.received = Buffer.alloc(0);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(payload.length, 0);
    conn.socket.write(Buffer.concat([head, payload]));
    await withTimeout(
      conn.until(() => conn.received.length >= 4 && conn.received.length >= 4 + conn.received.readUInt32BE(0)),
      `protobuf frame ${payload.toString('hex').slice(0, 200)}`,
    );
    this.checkHealth('a protobuf frame');
  }

  /** A new connection that sends `head` and half-closes: the daemon must close it within the bound. */
  async rawConnection(head: Buffer): Promise<void> {
    const conn = await Connection.open(this.port);
    try {
      conn.socket.end(head);
      await withTimeout(conn.until(() => false), `connection opening ${head.toString('hex').slice(0, 160)}`);
    } finally {
      conn.socket.destroy();
    }
    this.checkHealth('a connection head');
  }

  async stop(): Promise<void> {
    this.telnet?.socket.destroy();
    this.protobuf?.socket.destroy();
    const child = this.daemon.child;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await this.daemon.exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
