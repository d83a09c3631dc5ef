/**
 * `/api/uid/tsmeta` (OpenTSDB's UniqueIdRpc.handleTSMeta): a series' meta data.
 *  - GET `?tsuid=…`: its TSMeta with the UIDMeta of its names; 404 "Could not find
 *    Timeseries meta data" when it has none. GET `?m=metric{k=v,…}` (literal tag pairs
 *    only): the TSMetas of the metric's series having those pairs, in TSUID order.
 *  - POST (merge) / PUT (replace) with `tsuid` in a JSON body or the query string: the
 *    stored TSMeta, 304 when no field was given, 400 "Requested TSMeta did not exist" when
 *    the series has none. `?m=…&create=true` creates it for an existing series.
 *  - DELETE: forgets the TSMeta (the series and its UIDs stay); 204.
 * Fields: description, displayName, notes, created, custom, units, dataType, retention, max, min.
 */
import { noContent, withErrors } from '../../lib/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, javaTrim, jsonInteger, parseJavaDouble } from '../../lib/opentsdb';
import { defaultTsMeta, mergedCreated, splitTsuid, type MetaRecords, type TsMetaFields } from '../../lib/uid';
import { tsMetaJsonText } from './tsmeta-text';
import { hexArgument, jsonObject, methodOf, methodNotAllowed, parseSeriesSpec, queryString, required, tableKind } from './request-input';

const schema = {
  summary: 'Read, create, change or delete the meta data of a series (TSMeta)',
  tags: ['uid'],
  response: withErrors({ 200: { type: ['object', 'array'], description: 'TSMeta JSON: one object, or an array of them for m=' }, 204: noContent, 304: { ...noContent, description: 'Not modified: nothing changed' } }),
  querystring: {
    type: 'object',
    properties: {
      tsuid: { type: 'string' },
      m: { type: 'string', description: 'metric{tagk=tagv,…}: literal tag pairs' },
      create: { type: 'string', description: 'with m= on POST/PUT: create the TSMeta when missing' },
    },
  },
};

const TEXT_FIELDS = ['description', 'displayName', 'notes', 'units', 'dataType'] as const;
const NUMBER_FIELDS = ['created', 'retention', 'max', 'min'] as const;

/**
 * The fields a POST/PUT sets, from its JSON body or (`fromQueryString`) its query string.
 * `max` and `min` are doubles: `NaN` (their unset value) is one, any other text that is no
 * number is refused as OpenTSDB refuses it (Jackson's 400 for a body, `Unable to parse
 * '<field>' value` for the query string), where it was stored as NaN over the value there.
 */
function givenFields(source: Record<string, unknown>, fromQueryString: boolean): Partial<TsMetaFields> {
  const out: Partial<TsMetaFields> = {};
  for (const f of TEXT_FIELDS) if (source[f] !== undefined && source[f] !== null) out[f] = String(source[f]);
  for (const f of NUMBER_FIELDS) {
    const v = source[f];
    if (v === undefined || v === null) continue;
    const isDouble = f === 'max' || f === 'min';
    if (!isDouble && !fromQueryString) {
      // a Java long (`created`) or int (`retention`), as Jackson binds one
      out[f] = jsonInteger(v, f, f === 'created' ? 64 : 32);
      continue;
    }
    const parsed = typeof v === 'number' ? { value: v } : typeof v === 'string' && isDouble ? parseJavaDouble(v) : { value: typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN };
    const n = parsed.value;
    if (n === undefined || (Number.isNaN(n) && !(isDouble && typeof v === 'string' && javaTrim(v).replace(/^[-+]/, '') === 'NaN'))) {
      if (fromQueryString && isDouble) throw new ApiError(400, `Unable to parse '${f}' value`);
      throw new ApiError(400, 'Unable to parse the given JSON', `${f} must be a number`);
    }
    out[f] = n;
  }
  if (source.custom !== undefined && source.custom !== null) {
    if (typeof source.custom !== 'object' || Array.isArray(source.custom)) throw new ApiError(400, 'Unable to parse the given JSON', 'custom must be an object of strings');
    out.custom = Object.fromEntries(Object.entries(source.custom as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  }
  return out;
}

/** The TSUID of `metric{k=v,…}` from names that have UIDs; `missing` names the first that has none. */
async function tsuidOfSpec(r: MetaRecords, m: string): Promise<{ tsuid?: string; metricUid?: string; pairs: string[]; missing?: string }> {
  const spec = parseSeriesSpec(m);
  const metricUid = await r.uids.getId('metric', spec.metric);
  if (metricUid === undefined) return { pairs: [], missing: `No such name for '${tableKind('metric')}': '${spec.metric}'` };
  const pairs: string[] = [];
  for (const [k, v] of spec.tags) {
    const kid = await r.uids.getId('tagk', k);
    if (kid === undefined) return { metricUid, pairs, missing: `No such name for 'tagk': '${k}'` };
    const vid = await r.uids.getId('tagv', v);
    if (vid === undefined) return { metricUid, pairs, missing: `No such name for 'tagv': '${v}'` };
    pairs.push(kid + vid);
  }
  return { tsuid: metricUid + [...pairs].sort().join(''), metricUid, pairs };
}

async function getByQuery(r: MetaRecords, m: string): Promise<unknown[]> {
  const spec = parseSeriesSpec(m);
  const metricUid = await r.uids.getId('metric', spec.metric);
  if (metricUid === undefined) throw new ApiError(404, 'Unable to find one of the UIDs', `No such name for 'metrics': '${spec.metric}'`);
  const found = await tsuidOfSpec(r, m);
  // OpenTSDB resolves the tag pairs as a group of deferreds and reports the group's failure
  if (found.missing || spec.tags.some(([, v]) => v === '*' || v.includes('|'))) {
    throw new ApiError(400, 'At least one of the Deferreds failed, first exception:', 'At least one of the Deferreds failed, first exception:');
  }
  const out: unknown[] = [];
  for await (const tsuid of r.tsuids(metricUid)) {
    const parts = splitTsuid(tsuid);
    if (!parts || parts.metric !== metricUid) continue;
    const have = new Set(parts.tags.map(([k, v]) => k + v));
    if (!found.pairs.every((p) => have.has(p))) continue;
    const fields = await r.getTsMeta(tsuid);
    const json = fields && (await r.tsMetaJson(tsuid, fields));
    if (json) out.push(json);
  }
  return out;
}

export function registerTsMeta(app: FastifyInstance, records: () => MetaRecords): void {
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/api/uid/tsmeta',
    schema,
    config: { scope: { GET: 'read', POST: 'admin', PUT: 'admin', DELETE: 'admin' } },
    handler: async (request, reply) => {
      const answer = await answerTsMeta(request, reply);
      if (answer === undefined || reply.sent) return answer;
      // TSMetas as Jackson writes them (max and min as Java doubles: 7.0)
      reply.type('application/json; charset=UTF-8');
      return tsMetaJsonText(answer);
    },
  });

  /** The answer to one request: a TSMeta, a list of them, or a reply already sent (204, 304). */
  async function answerTsMeta(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const method = methodOf(request);
    const qs = queryString(request);
    const r = records();
    if (method === 'GET') {
      if (qs.tsuid !== undefined) {
        const tsuid = hexArgument(qs.tsuid);
        const fields = await r.getTsMeta(tsuid);
        if (!fields) throw new ApiError(404, 'Could not find Timeseries meta data');
        const json = await r.tsMetaJson(tsuid, fields);
        if (!json) throw new ApiError(404, 'Unable to find one of the UIDs');
        return json;
      }
      return getByQuery(r, required(qs, 'm'));
    }
    if (method === 'POST' || method === 'PUT') {
      const body = jsonObject(request);
      const source: Record<string, unknown> = body ?? qs;
      let tsuid: string;
      let create = false;
      if (typeof source.tsuid === 'string' && source.tsuid !== '') {
        tsuid = hexArgument(source.tsuid);
      } else {
        const m = required(qs, 'm');
        const found = await tsuidOfSpec(r, m);
        if (found.missing) throw new ApiError(400, found.missing);
        if (found.pairs.length === 0) throw new ApiError(400, 'TSUID is too short, may be missing tags', 'TSUID is too short, may be missing tags');
        tsuid = found.tsuid!;
        create = qs.create !== undefined && qs.create !== 'false';
      }
      const existing = await r.getTsMeta(tsuid);
      if (!existing && !(await r.tsMetaJson(tsuid, defaultTsMeta()))) {
        throw new ApiError(400, 'com.stumbleupon.async.DeferredGroupException: At least one of the Deferreds failed, first exception:');
      }
      const given = givenFields(source, body === undefined || body === null);
      // OpenTSDB's setters mark a field changed only when it differs from a new TSMeta's
      // (measured: created 0, retention 0 and "" texts are no change, a 304 alone)
      if (given.created === 0) delete given.created;
      if (given.retention === 0) delete given.retention;
      for (const f of TEXT_FIELDS) if (given[f] === '') delete given[f];
      if (!existing && create) {
        // OpenTSDB stamps a TSMeta made by this call with its counter's time, not `created`
        const fields: TsMetaFields = { ...defaultTsMeta(), ...given, lastReceived: Math.floor(Date.now() / 1000) };
        await r.putTsMeta(tsuid, fields);
        return r.tsMetaJson(tsuid, fields);
      }
      if (Object.keys(given).length === 0) {
        reply.code(304);
        return reply.send();
      }
      if (!existing) throw new ApiError(400, 'Requested TSMeta did not exist', 'Requested TSMeta did not exist');
      const base: TsMetaFields = method === 'POST' ? existing : { ...defaultTsMeta(), created: existing.created, lastReceived: existing.lastReceived, totalDatapoints: existing.totalDatapoints };
      const fields: TsMetaFields = { ...base, ...given, created: mergedCreated(base.created, given.created) };
      await r.putTsMeta(tsuid, fields);
      return r.tsMetaJson(tsuid, fields);
    }
    if (method === 'DELETE') {
      const body = jsonObject(request);
      const tsuid = body ? (typeof body.tsuid === 'string' ? body.tsuid : '') : (qs.tsuid ?? '');
      if (tsuid === '') throw new ApiError(400, 'Unable to delete TSMeta information', 'Missing UID');
      await r.deleteTsMeta(hexArgument(tsuid));
      reply.code(204);
      return reply.send();
    }
    throw methodNotAllowed(method);
  }
}
