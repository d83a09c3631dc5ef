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
}
