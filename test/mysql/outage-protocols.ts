/**
 * Clients of every write protocol against a daemon on storage-mysql, each knowing exactly
 * which of its points were acknowledged: `/api/put?sync` (200/204), protobuf over raw
 * TCP with `sync` (an ack with `written` and no `error`), and telnet `put` (no reply on
 * success: after each packet a second packet with a `mark` command is sent alone; the
 * session reads it only once the first packet's batch was written or refused, so its
 * answer says which: a `put: Storage error` line before it means refused).
 */
import net from 'node:net';
import path from 'node:path';
import protobuf from 'protobufjs';
import { REPO_ROOT } from '../helpers/daemon';

const proto = protobuf.loadSync(path.join(REPO_ROOT, 'dsdb.proto'));
const WriteRequest = proto.lookupType('dsdb.WriteRequest');
const WriteAck = proto.lookupType('dsdb.WriteAck');

export interface ProtocolCounts {
  sent: number;
  acknowledged: number[];
  refused: number;
  /** answers that are neither an acknowledgement nor the protocol's storage error */
  unexpected: string[];
}

const counts = (): ProtocolCounts => ({ sent: 0, acknowledged: [], refused: 0, unexpected: [] });

/** A line-reading socket: waits for a line containing `text`. */
class Lines {
  text = '';
  closed = false;
  private wake: (() => void) | undefined;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => ((this.text += d.toString()), this.wake?.()));
    socket.on('close', () => ((this.closed = true), this.wake?.()));
    socket.on('error', () => undefined);
  }
  async until(text: string): Promise<boolean> {
    while (!this.text.includes(text) && !this.closed) await new Promise<void>((r) => (this.wake = r));
    return this.text.includes(text);
  }
}

export class ProtocolLoad {
  stop = false;
  readonly telnet = counts();
  readonly sync = counts();
  readonly protobuf = counts();
  private next = 1_700_000_000_000;
  private tasks: Promise<void>[] = [];

  constructor(private readonly port: number) {}

  start(telnetConnections = 4): void {
    for (let c = 0; c < telnetConnections; c++) this.tasks.push(this.telnetClient(c));
    this.tasks.push(this.syncClient(), this.protobufClient());
  }

  async finish(): Promise<void> {
    this.stop = true;
    await Promise.all(this.tasks);
  }

  private timestamps(n: number): number[] {
    return Array.from({ length: n }, () => this.next++);
  }

  private async telnetClient(c: number): Promise<void> {
    const socket = net.connect({ port: this.port, host: '127.0.0.1' });
    const lines = new Lines(socket);
    let mark = 0;
    while (!this.stop && !lines.closed) {
      const ts = this.timestamps(20);
      this.telnet.sent += ts.length;
      lines.text = '';
      const first = `m${c}a${++mark}`;
      socket.write(ts.map((t) => `put outage.telnet ${t} ${t % 9973} c=${c}\n`).join('') + `${first}\n`);
      if (!(await lines.until(`unknown command: ${first}.`))) break;
      const second = `m${c}b${mark}`;
      socket.write(`${second}\n`);
      if (!(await lines.until(`unknown command: ${second}.`))) break;
      const replies = lines.text.split('\n').filter((l) => l && !l.startsWith('unknown command: '));
      if (replies.length === 0) this.telnet.acknowledged.push(...ts);
      else if (replies.every((l) => l.startsWith('put: Storage error: '))) this.telnet.refused += ts.length;
      else this.telnet.unexpected.push(replies[0]!);
    }
    socket.destroy();
  }

  private async syncClient(): Promise<void> {
    while (!this.stop) {
      const ts = this.timestamps(20);
      this.sync.sent += ts.length;
      const body = JSON.stringify(ts.map((t) => ({ metric: 'outage.sync', timestamp: t, value: t % 9973, tags: { w: 'http' } })));
      const res = await fetch(`http://127.0.0.1:${this.port}/api/put?sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status === 200 || res.status === 204) this.sync.acknowledged.push(...ts);
      else if (res.status === 503 && /unavailable|unreachable/i.test(text)) {
        this.sync.refused += ts.length;
        await new Promise((r) => setTimeout(r, 50));
      } else this.sync.unexpected.push(`${res.status} ${text.slice(0, 200)}`);
    }
  }

  private async protobufClient(): Promise<void> {
    const socket = net.connect({ port: this.port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let data = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    let closed = false;
    socket.on('data', (d: Buffer) => ((data = Buffer.concat([data, d])), wake?.()));
    socket.on('close', () => ((closed = true), wake?.()));
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0x00, 0x44, 0x53, 0x42]));
    let id = 0;
    const whole = () => data.length >= 4 && data.length >= 4 + data.readUInt32BE(0);
    while (!this.stop && !closed) {
      const ts = this.timestamps(20);
      this.protobuf.sent += ts.length;
      const payload = WriteRequest.encode(WriteRequest.fromObject({ id: ++id, sync: true, points: ts.map((t) => ({ metric: 'outage.proto', timestamp: t, tags: { w: 'pb' }, intValue: t % 9973 })) })).finish();
      const head = Buffer.alloc(4);
      head.writeUInt32BE(payload.length, 0);
      socket.write(Buffer.concat([head, payload]));
      while (!closed && !whole()) await new Promise<void>((r) => (wake = r));
      if (!whole()) {
        this.protobuf.unexpected.push('connection closed');
        break;
      }
      const length = data.readUInt32BE(0);
      const ack = WriteAck.toObject(WriteAck.decode(data.subarray(4, 4 + length)), { longs: Number, defaults: true }) as { id: number; written: number; error: string };
      data = data.subarray(4 + length);
      if (ack.id === id && ack.written === ts.length && !ack.error) this.protobuf.acknowledged.push(...ts);
      else if (ack.written === 0 && /unavailable|unreachable/i.test(ack.error)) {
        this.protobuf.refused += ts.length;
        await new Promise((r) => setTimeout(r, 50));
      } else this.protobuf.unexpected.push(JSON.stringify(ack));
    }
    socket.destroy();
  }
}
