/**
 * `POST /api/rollup` (OpenTSDB 2.4's RollupDataPointRpc): rollup and pre-aggregated points
 * in OpenTSDB's RollUpDataPoint JSON — a put point plus `interval`, `aggregator` and
 * `groupByAggregator` — checked as OpenTSDB checks them (IncomingDataPoint.validate,
 * RollUpDataPoint.validate, TSDB.addAggregatePoint) and written as one batch through the
 * writer. Replies as /api/put does: 204, `?summary`, `?details`, `?sync`.
 */
import type { FastifyInstance } from 'fastify';
import { BatchBuilder, DsdbError, ValueKind, type Aggregator, type Registry, type WriteService } from '../../core';

type Tags = Record<string, string>;
import {
  ApiError,
  canonicalJson,
  isJsonObject,
  JsonNumber,
  JsonSyntaxError,
  newValueSlot,
  parseExactJson,
  parseValueText,
  putFlags,
  putReply,
  type ExactJson,
  type PutError,
  type ValueSlot,
} from '../../lib/opentsdb';
import { admitAggregatePoint, type RollupSettings } from './admit';

type JsonObject = { [key: string]: ExactJson };

/** A point echoed in `?details` as OpenTSDB serializes a RollUpDataPoint (nulls left out). */
interface RollupEcho {
  metric: string | undefined;
  timestamp: number | string;
  value: string;
  tags?: Tags;
  interval?: string;
  aggregator?: string;
  groupByAggregator?: string;
}

function text(v: ExactJson | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

/** Jackson's long: digits as they are, a JSON number with a fraction truncated, anything else 0 ("Invalid timestamp"). */
function timestampOf(v: ExactJson | undefined, t: string | undefined): number {
  if (t === undefined) return 0;
  if (/^-?\d+$/.test(t)) return Number.isSafeInteger(Number(t)) ? Number(t) : 0;
  return v instanceof JsonNumber && Number.isFinite(Number(t)) ? Math.trunc(Number(t)) : 0;
}

function tagsOf(v: ExactJson | undefined): Tags | undefined {
  if (!isJsonObject(v ?? null)) return undefined;
  const tags: Tags = {};
  for (const [k, value] of Object.entries(v as JsonObject)) {
    const t = text(value);
    if (t !== undefined && k !== '__proto__') tags[k] = t;
  }
  return tags;
}

export function registerRollupRoute(app: FastifyInstance, settings: () => RollupSettings, writer: WriteService, aggregators: () => Registry<Aggregator>, stats: { points: number; failed: number }): void {
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/api/rollup',
    config: { scope: 'write' },
    schema: {
      summary: 'Write rollup and pre-aggregated points (OpenTSDB 2.4 RollUpDataPoint JSON)',
      tags: ['write'],
      querystring: {
        type: 'object',
        properties: { summary: { type: 'string' }, details: { type: 'string' }, sync: { type: 'string' }, sync_timeout: { type: 'string' } },
      },
    },
    handler: async (request, reply) => {
      if (request.method !== 'POST') {
        throw new ApiError(405, 'Method not allowed', `The HTTP method [${request.method}] is not permitted for this endpoint`);
      }
      const flags = putFlags(request.query as Record<string, unknown>);
      const body = request.body;
      const raw = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
      const trimmed = raw.trim();
      if (trimmed.length === 0) throw new ApiError(400, 'Missing request content');
      if (trimmed[0] !== '{' && trimmed[0] !== '[') throw new ApiError(400, 'The JSON must start as an object or an array');
      let parsed: ExactJson;
      try {
        parsed = parseExactJson(trimmed);
      } catch (err) {
        if (err instanceof JsonSyntaxError) throw new ApiError(400, 'Unable to parse the given JSON', err.message);
        throw err;
      }
      const points = Array.isArray(parsed) ? parsed : [parsed];
      if (points.length === 0) throw new ApiError(400, 'No datapoints found in content');
      for (const p of points) {
        if (p !== null && !isJsonObject(p)) throw new ApiError(400, 'Unable to parse the given JSON', `Cannot deserialize a data point from ${canonicalJson(p)}`);
      }
      const s = settings();
      const aggs = aggregators();
      const batch = new BatchBuilder(points.length);
      const errors: PutError[] | undefined = flags.details ? [] : undefined;
      let success = 0;
      let failed = 0;
      const slot = newValueSlot();
      for (const point of points) {
        const o = (point ?? {}) as JsonObject;
        const tsText = text(o.timestamp);
        const echo: RollupEcho = {
          metric: text(o.metric),
          timestamp: timestampOf(o.timestamp, tsText),
          value: text(o.value) ?? '',
        };
        const tags = tagsOf(o.tags);
        if (tags) echo.tags = tags;
        const interval = text(o.interval);
        const aggregator = text(o.aggregator);
        const groupByAggregator = text(o.groupByAggregator);
        if (interval !== undefined) echo.interval = interval;
        if (aggregator !== undefined) echo.aggregator = aggregator;
        if (groupByAggregator !== undefined) echo.groupByAggregator = groupByAggregator;
        const error = point === null ? 'Unexpected null datapoint encountered in set.' : checkPoint(echo, tags, tsText, slot, s, aggs, batch);
        if (error === undefined) success++;
        else {
          failed++;
          errors?.push({ datapoint: echo as PutError['datapoint'], error });
        }
      }
      stats.points += success;
      stats.failed += failed;
      const written = batch.take();
      if (written.length > 0) {
        try {
          await writer.write(written, { source: 'rollup', sync: flags.sync });
        } catch (err) {
          if (err instanceof DsdbError) {
            if (err.code === 'DSDB_ERR_NO_STORAGE') throw new ApiError(503, 'No storage engine is configured');
            if (err.code === 'DSDB_ERR_BAD_WRITE') throw new ApiError(400, 'The points were refused', err.message);
            if (err.code === 'DSDB_ERR_STORAGE_UNAVAILABLE' || err.code === 'DSDB_ERR_STORAGE_CLOSED') throw err;
          }
          throw new ApiError(500, 'Unexpected exception', (err as Error).message);
        }
      }
      const { status, body: replyBody } = putReply(flags, { success, failed, timeouts: 0, errors });
      reply.code(status);
      return replyBody === undefined ? reply.send() : replyBody;
    },
  });
}

/**
 * IncomingDataPoint.validate, RollUpDataPoint.validate, the value's parse, then
 * TSDB.addAggregatePoint: OpenTSDB's message for the point, or undefined once it is in `batch`.
 */
function checkPoint(echo: RollupEcho, tags: Tags | undefined, tsText: string | undefined, slot: ValueSlot, s: RollupSettings, aggs: Registry<Aggregator>, batch: BatchBuilder): string | undefined {
  const { interval, aggregator, groupByAggregator } = echo;
  if (!echo.metric) return 'Metric name was empty';
  const ts = typeof echo.timestamp === 'number' ? echo.timestamp : 0;
  if (!(ts > 0)) return 'Invalid timestamp';
  if (!echo.value) return 'Empty value';
  if (!tags || Object.keys(tags).length === 0) return 'Missing tags';
  const isGroupBy = groupByAggregator !== undefined;
  if (!interval && !(isGroupBy && groupByAggregator !== '')) return 'Missing interval';
  if (!aggregator && !(isGroupBy && groupByAggregator !== '')) return 'Missing aggregator';
  const bad = parseValueText(echo.value, slot);
  if (bad || (slot.kind !== ValueKind.Int && slot.kind !== ValueKind.Float)) return 'Unable to parse value to a number';
  const refused = admitAggregatePoint(
    {
      metric: echo.metric,
      timestamp: ts,
      timestampText: String(tsText),
      kind: slot.kind,
      int: slot.int,
      float: slot.float,
      tags,
      isGroupBy,
      ...(interval ? { interval } : {}),
      ...(aggregator !== undefined ? { aggregator } : {}),
      ...(groupByAggregator !== undefined ? { groupByAggregator } : {}),
    },
    s,
    aggs,
    batch,
  );
  // NoSuchRollupForIntervalException is no IllegalArgumentException: OpenTSDB's catch-all answers
  return refused ? (refused.unknownInterval ? 'Unexpected exception' : refused.message) : undefined;
}
