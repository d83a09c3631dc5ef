/**
 * `POST /api/put`: OpenTSDB's HTTP write endpoint. Reads the body with the format its
 * Content-Type names (JSON by default; other plugins add formats on the `formats` hook
 * of lib/opentsdb's `getPutHooks`, e.g. protobuf), writes the good points as one batch
 * through the kernel's `writer` and answers as OpenTSDB does. `?sync` waits until
 * storage reports the points durable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchBuilder, definePlugin, DsdbError, Registry, Type, type PointBatch } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { ApiError, getPutHooks, PutCollector, putFlags, putJsonFormat, putReply, sharedPutParsePool, type PutFormat, type PutTally } from '../../lib/opentsdb';
import { putSchema } from './schema';

export default definePlugin({
  name: 'put-http',
  provides: ['hook:put-http.formats'],
  dependencies: ['http'],
  options: Type.Object(
    {
      /**
       * worker threads that read JSON bodies (0: on the main thread), the first of them
       * shared with put-telnet's. Two by default: reading JSON costs about twice what
       * writing it does, so with one thread the main thread waited half the time (a
       * 4-in-flight load of 10M points: 26.8–27.1 s with one, 19.8–22.1 s with two; the
       * second thread's heap is about 30 MiB)
       */
      parseWorkers: Type.Integer({ minimum: 0, maximum: 64, default: 2 }),
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
