/**
 * `POST /api/put`: OpenTSDB's HTTP write endpoint. Reads the body with the format its
 * Content-Type names (JSON by default; other plugins add formats on the `formats` hook
 * of lib/opentsdb's `getPutHooks`, e.g. protobuf), writes the good points as one batch
 * through the kernel's `writer` and answers as OpenTSDB does. `?sync` waits until
 * storage reports the points durable.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchBuilder, definePlugin, DsdbError, Registry, Type, type PointBatch } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { ApiError, getPutHooks, PutCollector, putFlags, putJsonFormat, putReply, sharedPutParsePool, type PutFormat, type PutTally } from '../../lib/opentsdb';
import { putSchema } from './schema';

/**
 * put-http's parse threads by default: the cores left beside the storage thread, one or
 * two. A JSON point costs a parse thread about two thirds of what writing it costs the
 * storage thread (10M points over 4 connections: ~3 s against ~4.3 s), so one thread keeps
 * up; a second pays off only on a core of its own. On two cores it ran no faster and cost
 * its isolate: in seven alternating pairs of that load one thread was faster in five
 * (median 1.41M points/s against 1.35M), with ~0.6 s less CPU and a peak RSS of 320–338
 * MiB against 349–368.
 */
export const DEFAULT_JSON_PARSE_WORKERS = Math.min(2, Math.max(1, os.availableParallelism() - 1));

export default definePlugin({
  name: 'put-http',
  provides: ['hook:put-http.formats'],
  dependencies: ['http'],
  options: Type.Object(
    {
      /**
       * worker threads that read JSON bodies (0: on the main thread), the first of them
       * shared with put-telnet's. By default one fewer than the cores, at least one and at
       * most two (DEFAULT_JSON_PARSE_WORKERS).
       */
      parseWorkers: Type.Integer({ minimum: 0, maximum: 64, default: DEFAULT_JSON_PARSE_WORKERS }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    const stats = { requests: 0, points: 0, failed: 0 };
    const pool = options.parseWorkers > 0 ? sharedPutParsePool(container, hooks, log, options.parseWorkers) : undefined;
    let nextAffinity = 0;

    getHttpHooks(hooks).routes.tap('put-http', (app) => {
      // Formats are collected when the route is built: every plugin has registered by then.
      const formats = new Registry<PutFormat>('put body format');
      formats.add(putJsonFormat.contentType, putJsonFormat, 'put-http');
      getPutHooks(hooks).formats.call(formats);
      const writer = container.resolve('writer');

      app.post('/api/put', { config: { scope: 'write', sharedBody: true }, schema: putSchema(formats.names()) }, async (request, reply) => {
        const flags = putFlags(request.query as Record<string, unknown>);
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new ApiError(400, 'Missing request content');
        const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const format = formats.get(type) ?? putJsonFormat;
        // a JSON body (or a format's with a worker reader) is read on a parse worker when it
        // is all common, valid points; any other body is read here, with OpenTSDB's answer point by point
        const parsed = !pool
          ? undefined
          : format === putJsonFormat
            ? await pool.parseJson(body, nextAffinity++ % options.parseWorkers)
            : format.workerReader !== undefined
              ? await pool.parseWith(format.workerReader, body, undefined, nextAffinity++ % options.parseWorkers)
              : undefined;
        let tally: PutTally;
        let batch: PointBatch | undefined;
        if (parsed && !parsed.exact) {
          tally = { success: parsed.lines, failed: 0, timeouts: 0, errors: [] };
          batch = parsed.batch;
        } else {
          const collector = new PutCollector(new BatchBuilder(64), flags.details);
          format.decode(body, collector);
          tally = { success: collector.success, failed: collector.failed, timeouts: 0, errors: collector.errors };
          batch = collector.batch.take();
        }
        stats.requests++;
        stats.points += tally.success;
        stats.failed += tally.failed;

        if (batch && batch.length > 0) {
          const write = writer.write(batch, { source: 'http', sync: flags.sync });
          try {
            if (flags.sync && flags.syncTimeout > 0) {
              const timer = new AbortController();
              const done = await Promise.race([write.then(() => true), sleep(flags.syncTimeout, false, { signal: timer.signal }).catch(() => false)]);
              timer.abort();
              if (!done) {
                tally.timeouts = tally.success;
                tally.success = 0;
                // PutTimeout lists each point still being written, after the refused ones: read
                // again for their echoes (a rare path: a timeout with ?details)
                if (flags.details) {
                  const again = new PutCollector(new BatchBuilder(64), false, true);
                  format.decode(body, again);
                  tally.errors = [...(tally.errors ?? []), ...again.admitted!.map((datapoint) => ({ datapoint, error: 'Write timedout' }))];
                }
              }
            } else {
              await write;
            }
          } catch (err) {
            if (err instanceof DsdbError) {
              if (err.code === 'DSDB_ERR_NO_STORAGE') throw new ApiError(503, 'No storage engine is configured');
              // refused before storage (a beforeWrite tap, a malformed batch): nothing was written
              if (err.code === 'DSDB_ERR_BAD_WRITE') throw new ApiError(400, 'The points were refused', err.message);
              // MariaDB down, shutting down: the HTTP plugin answers 503 with Retry-After
              if (err.code === 'DSDB_ERR_STORAGE_UNAVAILABLE' || err.code === 'DSDB_ERR_STORAGE_CLOSED') throw err;
            }
            log.error({ err }, 'storage write failed');
            throw new ApiError(500, 'Unexpected exception', (err as Error).message);
          }
        }
        const { status, body: replyBody } = putReply(flags, tally);
        reply.code(status);
        return replyBody === undefined ? reply.send() : replyBody;
      });
    });

    hooks.kernel.collectStats.tap('put-http', (collector) => {
      collector.record('http.put.requests', stats.requests);
      collector.record('http.put.points', stats.points);
      collector.record('http.put.failed', stats.failed);
    });
  },
});
