/**
 * The protobuf `/api/put` body read on a parse worker (PutFormat.workerReader; put-http
 * runs it): the byte reader (points-bytes.ts). A body it does not take whole comes back
 * `exact`, and put-http reads it on the main thread with `decode`, for OpenTSDB's answer
 * point by point.
 */
import type { BatchBuilder } from '../../core';
import type { WorkerBodyReader } from '../../lib/opentsdb';
import { readPutProtobuf } from './points-bytes';

export const bodyReader: WorkerBodyReader = {
  read(body: Uint8Array, builder: BatchBuilder): { points: number } | undefined {
    const points = readPutProtobuf(body, builder);
    return points === undefined ? undefined : { points };
  },
};
