/**
 * A body format of `POST /api/put` besides OpenTSDB's JSON. The put-http plugin owns
 * the route and the OpenTSDB replies (summary, details, sync); a format plugin adds
 * itself by Content-Type on put-http's `formats` hook, so the formats share one
 * endpoint without importing each other.
 */
import { SyncHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';
import type { Registry } from '../../core/registry';
import type { PutCollector } from './put-collector';

/**
 * put-http's extension point: `/api/put` body formats by Content-Type. A format plugin
 * (protobuf) taps `formats` and lists `put-http` in its `enhances`; put-http calls the
 * hook once when it builds its route. Without put-http the hook never fires.
 */
export const getPutHooks = defineFeatureHooks('put-http', () => ({
  formats: new SyncHook<[Registry<PutFormat>]>(['formats']),
}));

export interface PutFormat {
  /** Content-Type it reads, lower case, without parameters: `application/x-protobuf` */
  contentType: string;
  /**
   * Reads every point of `body` into `collector`. A body that cannot be read at all
   * throws an ApiError (400), and then nothing of it is written.
   */
  decode(body: Buffer, collector: PutCollector): void;
  /**
   * The path of a module exporting `bodyReader` (WorkerBodyReader, put-parse-worker.ts)
   * that reads the common body on a parse worker, giving the same points `decode` gives
   * (put-http's `parseWorkers`). A body it does not take is read with `decode` on the main
   * thread, for the format's answer point by point.
   */
  workerReader?: string;
}

/**
 * A format's decode with a byte-level reader in front: `readBytes` takes the common body
 * into the collector's batch and answers its point count, or undefined for any body it
 * does not take — then its partial batch is dropped and `exact`, the reference, reads the
 * body. Both must give the same points, counts and errors for every body they both take.
 */
export function decodeBytesFirst(
  body: Buffer,
  collector: PutCollector,
  readBytes: (body: Buffer, batch: PutCollector['batch']) => number | undefined,
  exact: (body: Buffer, collector: PutCollector) => void,
): void {
  if (collector.success === 0 && collector.failed === 0 && collector.batch.length === 0) {
    const read = readBytes(body, collector.batch);
    if (read !== undefined) {
      collector.success = read;
      return;
    }
    if (collector.batch.length > 0 || collector.batch.seriesCount > 0) collector.batch.take();
  }
  exact(body, collector);
}
