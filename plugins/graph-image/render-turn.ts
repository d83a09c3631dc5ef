/**
 * A `/q` PNG's turn to render (lib/http's Admission): the query and the raster of at most
 * `maxConcurrentRenders` images are in memory at once, whatever the number of clients.
 */
import type { ServerResponse } from 'node:http';
import type { Admission } from '../../lib/http';
import { GraphError } from './params';

/** OpenTSDB's GraphHandler message when its gnuplot queue is full. */
export const RENDERS_PENDING = 'Too many requests pending, please try again later';

/**
 * Takes a render turn for the request answered by `response`. Resolves true once it holds
 * one (the caller must `admission.release()` exactly once after), 'gone' when the client
 * closed the connection while it waited (nothing held). Throws GraphError 503 when
 * `maxQueued` renders already wait, or when it waited `admission.queueTimeoutMs`.
 */
export async function takeRenderTurn(admission: Admission, maxQueued: number, response: ServerResponse): Promise<true | 'gone'> {
  if (admission.queued >= maxQueued && admission.inFlight >= admission.maxConcurrent) {
    throw new GraphError(503, `${RENDERS_PENDING} (${admission.queued} renders waiting, graph-image maxQueuedRenders)`);
  }
  const taken = admission.acquire();
  if (taken === true) return true;
  const onClose = (): void => taken.cancel();
  response.once('close', onClose);
  const admitted = await taken.turn;
  response.removeListener('close', onClose);
  if (response.destroyed || response.socket?.destroyed !== false) {
    // the client left while it waited: a turn handed over meanwhile goes to the next one
    if (admitted) admission.release();
    return 'gone';
  }
  if (!admitted) throw new GraphError(503, `${RENDERS_PENDING} (waited ${admission.queueTimeoutMs} ms for a render, graph-image renderQueueTimeoutMs)`);
  return true;
}
