/**
 * `POST /api/put`: OpenTSDB's HTTP write endpoint. Reads the body with the format its
 * Content-Type names (JSON by default; other plugins add formats to the `putFormats`
 * registry, e.g. protobuf), writes the good points as one batch and answers as
 * OpenTSDB does. `?sync` waits until storage reports the points durable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asValue } from 'awilix';
import { ApiError, BatchBuilder, definePlugin, PutCollector, Registry, Type, type PutFormat } from '../../core';
import { jsonFormat } from './json-format';
import { putFlags, putReply, type PutTally } from './put-reply';

export default definePlugin({
  name: 'put-http',
  dependencies: ['http'],
  options: Type.Object({}, { additionalProperties: false }),
  register({ hooks, container, log }) {
    const formats = new Registry<PutFormat>('put body format');
    formats.add(jsonFormat.contentType, jsonFormat, 'put-http');
    container.register({ putFormats: asValue(formats) });
    const inFlight = new Set<Promise<unknown>>();
    const stats = { requests: 0, points: 0, failed: 0 };

    hooks.http.routes.tap('put-http', (app) => {
      app.post('/api/put', async (request, reply) => {
        const flags = putFlags(request.query as Record<string, unknown>);
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new ApiError(400, 'Missing request content');
        const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        const format = formats.get(type) ?? jsonFormat;
        const collector = new PutCollector(new BatchBuilder(64), flags.details);
        format.decode(body, collector);
        stats.requests++;
        stats.points += collector.success;
        stats.failed += collector.failed;

        const tally: PutTally = { success: collector.success, failed: collector.failed, timeouts: 0, errors: collector.errors };
        const batch = collector.batch.take();
        if (batch.length > 0) {
          if (!container.hasRegistration('storage')) throw new ApiError(503, 'No storage engine is configured');
          const write = container.resolve('storage').write(batch, { sync: flags.sync });
          inFlight.add(write);
          write.then(
            () => inFlight.delete(write),
            () => inFlight.delete(write),
          );
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

    hooks.kernel.stopping.tapPromise('put-http', async () => {
      await Promise.allSettled([...inFlight]);
    });
  },
});
