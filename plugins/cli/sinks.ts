/**
 * Where imported batches go: the configured storage, or a running daemon's `/api/put`
 * (`--url`), the batch sent as one JSON array with values written so that the daemon
 * reads the same kinds and exact values.
 */
import { CliExit, seriesKeyString, setTag, type PointBatch, type StorageEngine, type WriteService } from '../../core';
import { timestampText, valueJson } from './point-format';

const IMPORT_WRITE = Object.freeze({ source: 'import', sync: false });

export interface BatchSink {
  /** Stores a batch; resolves with the daemon's per-point rejections (storage: none). */
  write(batch: PointBatch): Promise<string[]>;
  /** Makes everything written durable. */
  finish(): Promise<void>;
}

/** The configured storage, through the kernel's writer (its hooks and checks, as a daemon's transports). */
export function storageSink(storage: StorageEngine, writer: WriteService): BatchSink {
  return {
    async write(batch) {
      await writer.write(batch, IMPORT_WRITE);
      return [];
    },
    finish: () => storage.flush(),
  };
}

function batchJson(batch: PointBatch): string {
  // metric and tags once per series of the batch
  const heads = batch.series.map((s) => {
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(s.tags).sort()) setTag(sorted, k, s.tags[k]!);
    return `{"metric":${JSON.stringify(s.metric)},"tags":${JSON.stringify(sorted)},"timestamp":`;
  });
  const parts: string[] = [];
  for (let i = 0; i < batch.length; i++) {
    const head = heads[batch.seriesIndex[i]!]!;
    parts.push(head + timestampText(batch.timestamps[i]!) + ',"value":' + valueJson(batch.kinds[i]!, batch.floats[i]!, batch.ints[i]!, batch.texts[i]) + '}');
  }
  return '[' + parts.join(',') + ']';
}

export function httpSink(url: string): BatchSink {
  return {
    async write(batch) {
      let res: Response;
      try {
        res = await fetch(`${url}/api/put?details&sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batchJson(batch) });
      } catch (err) {
        throw new CliExit(`cannot reach ${url}: ${(err as Error).cause ? ((err as Error).cause as Error).message : (err as Error).message}`);
      }
      const text = await res.text();
      if (res.status === 204) return [];
      let body: { success?: number; failed?: number; errors?: { datapoint: { metric: string; tags: Record<string, string>; timestamp: number }; error: string }[]; error?: { message: string } };
      try {
        body = JSON.parse(text);
      } catch {
        throw new CliExit(`${url}/api/put answered ${res.status}: ${text.slice(0, 200)}`);
      }
      if (body.error) throw new CliExit(`${url}/api/put answered ${res.status}: ${body.error.message}`);
      // without the summary nothing says the points were stored (a proxy, another web app on the port)
      if (typeof body.success !== 'number' || typeof body.failed !== 'number') {
        throw new CliExit(`${url}/api/put answered ${res.status} with JSON that is not a put summary: ${text.slice(0, 200)}; is ${url} a DSDB or OpenTSDB daemon?`);
      }
      return (body.errors ?? []).map((e) => `${seriesKeyString(e.datapoint.metric, e.datapoint.tags ?? {})} at ${e.datapoint.timestamp}: ${e.error}`);
    },
    async finish() {},
  };
}
