/** A minimal raw-TCP protobuf client for tests: preamble, length-prefixed frames, acks. */
import net from 'node:net';
import path from 'node:path';
import protobuf from 'protobufjs';
import { REPO_ROOT } from './daemon';

const root = protobuf.loadSync(path.join(REPO_ROOT, 'dsdb.proto'));
export const WriteRequest = root.lookupType('dsdb.WriteRequest');
export const WriteAck = root.lookupType('dsdb.WriteAck');
export const PREAMBLE = Buffer.from([0x00, 0x44, 0x53, 0x42]);

export interface Ack {
  id: string;
  written: number;
  failed: number;
  errors: { index: number; message: string }[];
  error: string;
}

export function encodeRequest(request: Record<string, unknown>): Buffer {
  return Buffer.from(WriteRequest.encode(WriteRequest.fromObject(request)).finish());
}

export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** Sends `bytes` (as given: split them to test framing), then reads `count` ack frames. */
export async function sendFrames(port: number, chunks: Buffer[], count: number): Promise<{ acks: Ack[]; closed: boolean }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let data = Buffer.alloc(0);
  const acks: Ack[] = [];
  let closed = false;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      while (data.length >= 4 && data.length >= 4 + data.readUInt32BE(0)) {
        const length = data.readUInt32BE(0);
        const ack = WriteAck.toObject(WriteAck.decode(data.subarray(4, 4 + length)), { longs: String, defaults: true, arrays: true }) as Ack;
        acks.push(ack);
        data = data.subarray(4 + length);
      }
      if (acks.length >= count) resolve();
    });
    socket.on('close', () => ((closed = true), resolve()));
    socket.on('error', () => undefined);
  });
  for (const chunk of chunks) {
    socket.write(chunk);
    if (chunks.length > 1) await new Promise((r) => setImmediate(r));
  }
  await done;
  socket.destroy();
  return { acks, closed };
}
