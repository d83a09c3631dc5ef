/**
 * `POST /api/put` with `Content-Type: application/x-protobuf`: a dsdb.proto WriteRequest,
 * OpenTSDB's checks and replies (the PutCollector). The common body is read from its bytes
 * (points-bytes.ts); any other, refused points included, by protobufjs (`decodeExact`).
 */
import path from 'node:path';
import { ApiError, decodeBytesFirst, type PutCollector, type PutFormat } from '../../lib/opentsdb';
import { admitWriteRequest } from './admit';
import { readPutProtobuf } from './points-bytes';
import { decodeWriteRequest } from './schema';

/** The reference reader: protobufjs' decode, then every point through the collector. */
export function decodeExact(body: Buffer, collector: PutCollector): void {
  let request;
  try {
    request = decodeWriteRequest(body);
  } catch (err) {
    throw new ApiError(400, 'Unable to parse the given protobuf', (err as Error).message);
  }
  if (request.points.length === 0) throw new ApiError(400, 'No datapoints found in content');
  admitWriteRequest(request, collector);
}

export const protobufPut: PutFormat = {
  contentType: 'application/x-protobuf',
  workerReader: path.join(__dirname, 'body-reader.js'),
  decode(body, collector) {
    decodeBytesFirst(body, collector, readPutProtobuf, decodeExact);
  },
};
