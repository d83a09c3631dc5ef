/**
 * OpenTSDB's replies to `/api/put` and `/api/rollup` (PutDataPointRpc.processDataPoint): 204 when all went in and no
 * summary was asked for; 400 with its error JSON when some failed; `?summary` and
 * `?details` bodies with 200/400; `timeouts` when `sync_timeout` was given.
 */
import { ApiError } from './api-error';
import type { PutError } from './put-collector';

export interface PutFlags {
  summary: boolean;
  details: boolean;
  sync: boolean;
  /** ms, with `sync` only; 0 = wait as long as storage takes */
  syncTimeout: number;
}

export interface PutTally {
  success: number;
  failed: number;
  timeouts: number;
  errors: PutError[] | undefined;
}

export function putFlags(query: Record<string, unknown>): PutFlags {
  const raw = query.sync_timeout;
  let syncTimeout = 0;
  if (raw !== undefined) {
    syncTimeout = Number(raw);
    if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) throw new ApiError(400, `Unable to parse sync_timeout: For input string: "${String(raw)}"`);
  }
  return { summary: 'summary' in query, details: 'details' in query, sync: 'sync' in query, syncTimeout };
}

/** Status and body (undefined = empty) for the outcome of a put. */
export function putReply(flags: PutFlags, tally: PutTally): { status: number; body?: object } {
  const failedAny = tally.failed > 0 || tally.timeouts > 0;
  if (flags.summary || flags.details) {
    // PutDataPointRpc's GroupCB and PutTimeout: `timeouts` whenever sync_timeout was given,
    // sync or not; a HashMap's order (success, timeouts, failed, errors)
    const body: Record<string, unknown> = flags.syncTimeout > 0 ? { success: tally.success, timeouts: tally.timeouts, failed: tally.failed } : { success: tally.success, failed: tally.failed };
    if (flags.details) body.errors = tally.errors ?? [];
    return { status: failedAny ? 400 : 200, body };
  }
  if (tally.timeouts > 0) {
    // PutTimeout counts as failed only the writes storage refused (none here: a batch is
    // written whole or the request fails), not the points refused before them
    throw new ApiError(
      400,
      `The put call has timedout with ${tally.success} successful writes, 0 failed writes and ${tally.timeouts} timed out writes.`,
      'Please see the TSD logs or append "details" to the put request',
    );
  }
  if (tally.failed > 0) throw new ApiError(400, 'One or more data points had errors', 'Please see the TSD logs or append "details" to the put request');
  return { status: 204 };
}
