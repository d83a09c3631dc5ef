/**
 * dsdb.proto, loaded once with protobufjs. The file lives at the repository (package)
 * root so other languages generate their clients from the very same schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}

export interface PointMessage {
  metric: string;
  timestamp: LongLike | number;
  tags: Record<string, string>;
  value?: 'intValue' | 'doubleValue' | 'stringValue' | 'jsonValue';
  intValue?: LongLike | number;
  doubleValue?: number;
  stringValue?: string;
  jsonValue?: string;
}

export interface WriteRequestMessage {
  points: PointMessage[];
  sync: boolean;
  id: LongLike | number;
  /** raw TCP, first frame: "Bearer <token>" or "Basic <base64>" (empty when absent) */
  authorization: string;
}

export interface WriteAckMessage {
  id: LongLike | number;
  written: number;
  failed: number;
  errors: { index: number; message: string }[];
  error: string;
}

/** dsdb.proto: at the package root, three levels above dist/plugins/protobuf (two above plugins/protobuf). */
function findProto(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dsdb.proto');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`dsdb.proto not found above ${__dirname}`);
}

const root = protobuf.loadSync(findProto());
export const WriteRequest = root.lookupType('dsdb.WriteRequest');
export const WriteAck = root.lookupType('dsdb.WriteAck');

export function decodeWriteRequest(bytes: Uint8Array): WriteRequestMessage {
  return WriteRequest.decode(bytes) as unknown as WriteRequestMessage;
}

export function encodeWriteAck(ack: WriteAckMessage): Uint8Array {
  return WriteAck.encode(WriteAck.fromObject(ack as never)).finish();
}

/** An int64 field as an exact bigint (protobufjs gives a Long, or a number for small values). */
export function int64(value: LongLike | number | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? bits : BigInt.asIntN(64, bits);
}
