/**
 * Prometheus remote_write: `POST /api/v1/write` (the HTTP plugin routes /api/v1/x as
 * /api/x, so the route is /api/write), a snappy block-compressed prompb.WriteRequest.
 * Samples are stored as floats at their millisecond timestamps; NaN and infinite
 * samples (e.g. a summary quantile without observations, stale markers) are skipped,
 * since OpenTSDB's model has no place for them.
 */
import path from 'node:path';
import { BatchBuilder, definePlugin, DsdbError, Type, type PointBatch } from '../../core';
import { getHttpHooks, rawBody, withErrors, type RouteSchema } from '../../lib/http';
import { ApiError, sharedPutParsePool } from '../../lib/opentsdb';
import { admitDecoded, readWriteRequestBytes, type Admitted } from './admit';
import type { RemoteWriteReadOptions } from './body-reader';
import { decodePromWriteRequest, type PromWriteRequest } from './prompb';
import { SnappyError, snappyUncompress } from './snappy';

const REMOTE_WRITE = Object.freeze({ source: 'remote_write', sync: false });

/** The module a parse worker loads to read requests (body-reader.ts, compiled). */
const BODY_READER = path.join(__dirname, 'body-reader.js');

const badRequest = (err: unknown) => new ApiError(400, 'Unable to decode the remote write request', `expected a snappy-compressed prometheus.WriteRequest: ${(err as Error).message}`);

/** The OpenAPI description of the route (the /api/v1/write Prometheus is configured with). */
const REMOTE_WRITE_SCHEMA: RouteSchema = {
  summary: 'Prometheus remote_write: a snappy-compressed prometheus.WriteRequest (served as /api/v1/write)',
  tags: ['write'],
  // the Content-Type is not looked at: Prometheus sends application/x-protobuf
  body: rawBody(['application/x-protobuf', 'application/octet-stream'], 'a snappy block-compressed prometheus.WriteRequest'),
  response: withErrors({ 204: { description: 'stored (NaN and infinite samples skipped)', type: 'null' } }),
};

export default definePlugin({
  name: 'prometheus-remote-write',
  dependencies: ['http'],
  options: Type.Object(
    {
      /**
       * Most tags a series may have. OpenTSDB's default (8) refuses common Prometheus
       * series such as node_uname_info, so remote_write allows more by default.
       */
      maxTags: Type.Integer({ minimum: 1, default: 16 }),
      /** largest uncompressed WriteRequest, in bytes; a body declaring more is refused with 413 before decoding */
      maxUncompressedBytes: Type.Integer({ minimum: 1024, default: 32 * 1024 * 1024 }),
      /**
       * Parse worker threads that decompress and read requests (the daemon's shared pool,
       * lib/opentsdb sharedPutParsePool; put-http's threads are the same ones); 0 reads
       * them on the main thread.
       */
      parseWorkers: Type.Integer({ minimum: 0, maximum: 64, default: 2 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    const stats = { samples: 0, skippedNonFinite: 0, refusedSeries: 0 };
    const pool = options.parseWorkers > 0 ? sharedPutParsePool(container, hooks, log, options.parseWorkers) : undefined;
    const readOptions: RemoteWriteReadOptions = { maxTags: options.maxTags, maxUncompressedBytes: options.maxUncompressedBytes };
    let nextAffinity = 0;

    /** The main thread's reading: snappy and the byte reader, then protobufjs for anything else, with the error answers. */
    const readHere = (body: Buffer): { admitted: Admitted; points: PointBatch | undefined } => {
      let bytes: Buffer;
      try {
        bytes = snappyUncompress(body, options.maxUncompressedBytes);
      } catch (err) {
        if (err instanceof SnappyError && err.tooLarge) throw new ApiError(413, 'Request entity too large', err.message);
        throw badRequest(err);
      }
      let batch = new BatchBuilder(256);
      // the common request from its bytes; anything else (refusals too) through protobufjs
      let admitted = readWriteRequestBytes(bytes, batch, options.maxTags);
      if (!admitted) {
        let message: PromWriteRequest;
        try {
          message = decodePromWriteRequest(bytes);
        } catch (err) {
          throw badRequest(err);
        }
        batch = new BatchBuilder(Math.max(16, message.timeseries.length));
        admitted = admitDecoded(message, batch, options.maxTags);
      }
      return { admitted, points: batch.take() };
    };

    getHttpHooks(hooks).routes.tap('prometheus-remote-write', (app) => {
      const writer = container.resolve('writer');
      app.post('/api/write', { config: { scope: 'write', sharedBody: true, ownContentEncodings: ['snappy'] }, schema: REMOTE_WRITE_SCHEMA }, async (request, reply) => {
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) throw new ApiError(400, 'Missing request content');
        // the common request on a parse worker (decompressed and read there); the rest here
        const parsed = pool ? await pool.parseWith(BODY_READER, body, readOptions, nextAffinity++ % options.parseWorkers) : undefined;
        const { admitted, points } = parsed && !parsed.exact ? { admitted: parsed.detail as Admitted, points: parsed.batch } : readHere(body);
        stats.skippedNonFinite += admitted.skipped;
        const refused = admitted.refused;
        const firstError = admitted.firstError;
        if (points && points.length > 0) {
          // 503: Prometheus retries, and the samples arrive once storage is there.
          try {
            await writer.write(points, REMOTE_WRITE);
          } catch (err) {
            if (err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE') throw new ApiError(503, 'No storage engine is configured');
            throw err;
          }
          stats.samples += points.length;
        }
        if (refused > 0) {
          stats.refusedSeries += refused;
          log.debug({ refused, firstError }, 'remote_write samples refused');
          // 4xx: Prometheus does not retry; the good samples are stored already.
          throw new ApiError(400, `${refused} samples refused`, firstError);
        }
        reply.code(204).send();
      });
    });

    hooks.kernel.collectStats.tap('prometheus-remote-write', (collector) => {
      collector.record('prometheus.samples', stats.samples);
      collector.record('prometheus.skipped_non_finite', stats.skippedNonFinite);
      collector.record('prometheus.refused', stats.refusedSeries);
    });
  },
});
