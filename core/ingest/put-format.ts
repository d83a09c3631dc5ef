/**
 * A body format of `POST /api/put` besides OpenTSDB's JSON. The put-http plugin owns
 * the route and the OpenTSDB replies (summary, details, sync); a format plugin adds
 * itself by Content-Type to the `putFormats` registry in the container (during
 * `kernel.starting`), so the formats share one endpoint without importing each other.
 */
import type { PutCollector } from './put-collector';

export interface PutFormat {
  /** Content-Type it reads, lower case, without parameters: `application/x-protobuf` */
  contentType: string;
  /**
   * Reads every point of `body` into `collector`. A body that cannot be read at all
   * throws an ApiError (400), and then nothing of it is written.
   */
  decode(body: Buffer, collector: PutCollector): void;
}
