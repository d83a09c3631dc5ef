/**
 * A real daemon (http + query plugins + the default embedded storage engine in a scratch
 * folder) and small HTTP helpers for read-API tests. DSDB_QUERY_TEST_ENGINE=memory runs
 * the same tests on the in-memory engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ValueKind, type DataPoint, type StorageEngine, type Value } from '../../core';
import { batchOf } from './batch';
import { scratchDir, startDaemon, type RunningDaemon } from './daemon';
import { CODEC_PLUGINS } from './plugins';

const ENGINE = process.env.DSDB_QUERY_TEST_ENGINE === 'memory' ? 'memory' : 'embedded';
const STORAGE_PLUGINS = ENGINE === 'memory' ? ['storage-memory'] : ['storage-embedded', ...CODEC_PLUGINS];

export const READ_PLUGINS = ['http', 'telnet', ...STORAGE_PLUGINS, 'aggregators-opentsdb', 'aggregators-discrete', 'query', 'read-api'];

export interface QueryDaemon extends RunningDaemon {
  storage: StorageEngine;
  write(points: DataPoint[]): Promise<void>;
  get(path: string): Promise<HttpReply>;
  post(path: string, body: unknown, method?: string): Promise<HttpReply>;
}

export interface HttpReply {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

export async function startQueryDaemon(extraPlugins: unknown[] = [], queryOptions?: Record<string, unknown>): Promise<QueryDaemon> {
  const dir = ENGINE === 'embedded' ? scratchDir('query') : undefined;
  const plugins = READ_PLUGINS.map((p) =>
    p === 'query' && queryOptions ? ['query', queryOptions] : p === 'storage-embedded' ? ['storage-embedded', { dataDir: path.join(dir!, 'data') }] : p,
  );
  const started = await startDaemon({ plugins: [...plugins, ...extraPlugins] as never, storage: ENGINE });
  const daemon: RunningDaemon = {
    ...started,
    stop: async () => {
      await started.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const storage = daemon.kernel.container.resolve('storage');
  const base = `http://127.0.0.1:${daemon.port}`;
  const reply = async (res: Response): Promise<HttpReply> => {
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  return {
    ...daemon,
    storage,
    write: async (points) => void (await storage.write(batchOf(points))),
    get: async (path) => reply(await fetch(base + path)),
    post: async (path, body, method = 'POST') =>
      reply(await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })),
  };
}

export const int = (value: number | bigint): Value => ({ kind: ValueKind.Int, value: BigInt(value) });
export const float = (value: number): Value => ({ kind: ValueKind.Float, value });
export const str = (value: string): Value => ({ kind: ValueKind.String, value });
export const json = (value: object): Value => ({ kind: ValueKind.Json, value: JSON.stringify(value) });

/** A point with the timestamp in seconds. */
export function at(metric: string, tags: Record<string, string>, seconds: number, value: Value): DataPoint {
  return { metric, tags, timestamp: seconds * 1000, value };
}
