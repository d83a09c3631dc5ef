/**
 * `/api/query/last`: the latest point of each matching series, in OpenTSDB's
 * IncomingDataPoint shape (timestamp in ms, value as a string).
 */
import type { FastifyInstance } from 'fastify';
import { ValueKind, type LastPoint, type StorageEngine, type TimeSlice } from '../../../core';
import { ApiError, hexBinaryUid, jsonInteger, jsonText, optionalJsonText, type QueryLimits } from '../../../lib/opentsdb';
import { seriesOfTsuids, tsuidOfSeries } from '../../../lib/uid';
import { routeWithBody } from '../../../lib/http';
import { assertName, selectorOf } from '../engine';
import { bool, parseJsonBody } from '../parse-json';
import { parseMetricAndFilters, type QueryString } from '../parse-uri';
import { formatDouble } from '../serializer';
import { requestBudget, wrapJsonp } from './query-route';
import { LAST_SCHEMA } from './schemas';

interface LastQuery {
  metric?: string;
  tags?: Record<string, string>;
  tsuids?: string[];
}

function valueText(p: LastPoint): string {
  if (p.kind === ValueKind.Int) return p.int.toString();
  if (p.kind === ValueKind.Float) return formatDouble(p.float).replace(/^"|"$/g, '');
  return p.text ?? '';
}

/** Points serialized per JSON.stringify call: ~0.5 ms of work, so a slice is checked often enough. */
const SERIALIZE_BLOCK = 1024;

/**
 * The UTF-8 bytes of JSON.stringify(points), made in blocks with the budget's yields
 * between them: one call over 100k points, then the encoding of its 6 MB string as the
 * reply was written, held the event loop for 30–110 ms, past the 100 ms other clients may
 * wait (issue #19). The blocks' bytes joined are the same bytes.
 */
async function serializeInSlices(points: readonly Record<string, unknown>[], budget: TimeSlice): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let from = 0; from < points.length; from += SERIALIZE_BLOCK) {
    if (budget.due()) await budget.pause();
    const text = JSON.stringify(points.slice(from, from + SERIALIZE_BLOCK));
    parts.push(Buffer.from(from === 0 ? text.slice(0, -1) : `,${text.slice(1, -1)}`));
  }
  parts.push(Buffer.from(parts.length === 0 ? '[]' : ']'));
  return Buffer.concat(parts);
}

/** The fields Jackson binds in a POST body (LastPointQuery, LastPointSubQuery): any other is an UnrecognizedPropertyException, a 400. */
const LAST_QUERY_FIELDS: readonly string[] = ['resolveNames', 'queries', 'backScan'];
const LAST_SUB_QUERY_FIELDS: readonly string[] = ['metric', 'tags', 'tsuids'];

function refuseUnknownFields(json: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(json)) {
    if (!known.includes(key)) throw new ApiError(400, 'Unable to parse the given JSON', `Unrecognized field "${key}" (${where}), not marked as ignorable (${known.length} known properties: ${known.map((k) => `"${k}"`).join(', ')})`);
  }
}

/**
 * What OpenTSDB refuses in a sub-query before reading anything (LastPointSubQuery and
 * TSUIDQuery): no metric and no TSUID (`Metric cannot be null or empty`), an empty TSUID, one
 * that is not hex, and one too short to hold a metric UID.
 */
function checkLastSubQuery(q: LastQuery): void {
  const tsuids = Array.isArray(q.tsuids) ? q.tsuids : [];
  if (!q.metric && tsuids.length === 0) throw new ApiError(400, 'Metric cannot be null or empty');
  for (const t of tsuids) {
    const text = String(t);
    if (text === '') throw new ApiError(400, 'UID was empty');
    hexBinaryUid(text);
    // shorter than a metric UID; longer ones that hold no tag pair may be DSDB's own series ids (docs/opentsdb-compat.md, 4)
    if (text.length < 6) throw new ApiError(400, 'TSUID must not be null and must have a metric and at least one tag pair');
  }
}

/** A POSTed sub query with its fields checked: text where text belongs (else a 400). */
function lastQueryFromJson(q: LastQuery): LastQuery {
  const raw = q as unknown as Record<string, unknown>;
  refuseUnknownFields(raw, LAST_SUB_QUERY_FIELDS, 'class net.opentsdb.core.LastPointSubQuery');
  if (raw.tsuids !== undefined && raw.tsuids !== null && !Array.isArray(raw.tsuids)) throw new ApiError(400, 'Unable to parse the given JSON', '"tsuids" must be an array of TSUID strings');
  // Jackson binds `tags` into a Map: a string, a number, a boolean or an array fails the JSON
  if (raw.tags !== undefined && raw.tags !== null && (typeof raw.tags !== 'object' || Array.isArray(raw.tags))) throw new ApiError(400, 'Unable to parse the given JSON', '"tags" must be an object of tag keys to values');
  const metric = optionalJsonText(raw.metric, 'metric');
  const tags = raw.tags && typeof raw.tags === 'object' && !Array.isArray(raw.tags) ? Object.fromEntries(Object.entries(raw.tags).map(([k, v]) => [k, jsonText(v, `tags.${k}`)])) : undefined;
  const tsuids = Array.isArray(raw.tsuids) ? raw.tsuids.map((t) => jsonText(t, 'tsuids')) : undefined;
  return { ...(metric !== undefined ? { metric } : {}), ...(tags ? { tags } : {}), ...(tsuids ? { tsuids } : {}) } as LastQuery;
}

/**
 * Registers the route. Each request runs within the query plugin's limits (`limits`): a
 * series counts against maxSeries, the deadline is checked, and the scan yields to the
 * event loop every time slice (a `last` over 100k series must not hold other clients).
 */
export function registerLastRoute(app: FastifyInstance, storage: () => StorageEngine, limits: QueryLimits, jsonp = false): void {
  routeWithBody(app, {
    method: ['GET', 'POST'],
    url: '/api/query/last',
    config: { scope: 'read', multiValueParams: ['timeseries', 'tsuids'] },
    schema: LAST_SCHEMA,
    handler: async (request, reply) => {
      const qs = (request.query ?? {}) as QueryString;
      const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
      let queries: LastQuery[];
      let resolve: boolean;
      let backScan: number | undefined;
      if (request.method === 'POST') {
        const body = parseJsonBody(request.body);
        refuseUnknownFields(body, LAST_QUERY_FIELDS, 'class net.opentsdb.core.LastPointQuery');
        queries = Array.isArray(body.queries) ? (body.queries as unknown[]).filter((q): q is LastQuery => typeof q === 'object' && q !== null).map(lastQueryFromJson) : [];
        resolve = bool(body.resolveNames) ?? false;
        backScan = backScanFromJson(body.backScan);
      } else {
        queries = [
          ...list(qs.timeseries).map((t) => {
            if (t === '') throw new ApiError(400, 'Metric cannot be null or empty');
            const { metric, filters } = parseMetricAndFilters(t);
            return { metric, tags: Object.fromEntries(filters.map((f) => [f.tagk, f.filter])) };
          }),
          ...list(qs.tsuids).map((t) => ({ tsuids: t.split(',') })),
        ];
        resolve = qs.resolve !== undefined;
        const scan = list(qs.back_scan)[0];
        if (scan !== undefined) {
          if (!/^-?\d+$/.test(scan)) throw new ApiError(400, 'Unable to parse back_scan parameter');
          backScan = Number(scan);
        }
      }
      if (queries.length === 0) throw new ApiError(400, 'Missing sub queries');
      // UniqueId.stringToUid of each TSUID: a non-hex one is a 400 before anything is read
      for (const q of queries) checkLastSubQuery(q);
      // a negative back_scan scans no row: nothing is found (OpenTSDB 2.4.1's answer)
      if (backScan !== undefined && backScan < 0) {
        reply.type('application/json; charset=UTF-8');
        return '[]';
      }
      const since = backScan && backScan > 0 ? Math.floor(Date.now() / 3_600_000) * 3_600_000 - backScan * 3_600_000 : undefined;
      const engine = storage();
      const budget = requestBudget(reply, limits);
      const out: Record<string, unknown>[] = [];
      for (const q of queries) {
        const points: LastPoint[] = [];
        if (q.metric) {
          const tags: Record<string, string> = q.tags && typeof q.tags === 'object' ? Object.fromEntries(Object.entries(q.tags).map(([k, v]) => [k, String(v)])) : {};
          // OpenTSDB resolves every name to its UID first: an unknown one is a 400
          await assertName(engine, 'metrics', q.metric);
          for (const [k, v] of Object.entries(tags)) {
            await assertName(engine, 'tagk', k);
            await assertName(engine, 'tagv', v);
          }
          if (backScan && backScan > 0) {
            // TSUIDQuery.getLastPoint: the one series with exactly these tags, in the rows of
            // the current hour and the back_scan hours before it
            if (Object.keys(tags).length === 0) {
              const message = 'Tags cannot be null or empty when getting a TSUID';
              throw new ApiError(400, message, message);
            }
            const predicates = Object.entries(tags).map(([key, value]) => ({ key, literals: [value], test: (v: string | undefined) => v === value }));
            const since = Math.floor(Date.now() / 3_600_000) * 3_600_000 - backScan * 3_600_000;
            for await (const p of engine.last({ metric: q.metric, predicates, explicitTagKeys: Object.keys(tags) }, since)) {
              points.push(p);
              budget.addSeries(1);
              if (budget.due()) await budget.pause();
            }
          } else {
            // back_scan 0: every series with these tags (OpenTSDB looks them up in its meta table)
            const { filters } = parseMetricAndFilters(`${q.metric}{${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(',')}}`);
            const selector = selectorOf({ metric: q.metric, filters, explicitTags: false });
            for await (const p of engine.last(selector)) {
              points.push(p);
              budget.addSeries(1);
              if (budget.due()) await budget.pause();
            }
          }
        } else if (Array.isArray(q.tsuids)) {
          // OpenTSDB TSUIDs (resolved through the engine's UIDs) and DSDB's own series ids
          const infos = await seriesOfTsuids(engine, q.tsuids.map(String), () => (budget.due() ? budget.pause() : undefined));
          for (const info of infos) {
            if (budget.due()) await budget.pause();
            const predicates = Object.entries(info.tags).map(([key, value]) => ({ key, literals: [value], test: (v: string | undefined) => v === value }));
            for await (const p of engine.last({ metric: info.metric, predicates, explicitTagKeys: Object.keys(info.tags) }, since)) {
              if (p.series.id !== info.id) continue;
              points.push(p);
              budget.addSeries(1);
            }
          }
        }
        for (let i = 0; i < points.length; i++) {
          const p = points[i]!;
          if ((i & 1023) === 1023 && budget.due()) await budget.pause();
          const tsuid = await tsuidOfSeries(engine, p.series);
          // IncomingDataPoint's field order when names are resolved, as OpenTSDB writes it
          out.push(resolve ? { metric: p.series.metric, timestamp: p.timestamp, value: valueText(p), tags: p.series.tags, tsuid } : { timestamp: p.timestamp, value: valueText(p), tsuid });
        }
      }
      reply.type('application/json; charset=UTF-8');
      const body = await serializeInSlices(out, budget);
      return jsonp ? wrapJsonp(request, body.toString()) : body;
    },
  });
}

/**
 * LastPointQuery's `backScan` as Jackson reads it into an int (lib/opentsdb jsonInteger): a
 * number in an int's range (a fraction dropped), a string holding one, or null (0);
 * anything else fails the JSON.
 */
function backScanFromJson(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : jsonInteger(value, 'backScan', 32);
}
