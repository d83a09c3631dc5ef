/**
 * `/api/search/tsmeta`, `tsmeta_summary`, `tsuids` and `uidmeta` — DSDB's own answer.
 * OpenTSDB 2.4.1 hands these to a search plugin (Elasticsearch) and without one answers
 * 400 "Searching is not enabled"; DSDB searches its meta store itself (docs/http-api.md).
 *
 * Request: GET `?query=…&limit=25&start_index=0` or POST `{"query","limit","startIndex"}`.
 * The query is whitespace-separated terms, all of which must match (case-insensitive); a
 * term matches a result when one of its texts (names, description, notes, displayName,
 * units, custom values) contains it, with `*` and `?` as globs; `*` alone matches all.
 * Answer: OpenTSDB's SearchQuery JSON — `type`, `query`, `limit`, `startIndex`, `time`
 * (ms), `totalResults` (all matches) and `results` (the page): TSMeta objects, tsmeta
 * summaries `{tsuid, metric, tags}`, TSUID strings, or UIDMeta objects.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../lib/opentsdb';
import { splitTsuid, UID_KINDS, type MetaRecords } from '../../lib/uid';
import { tsMetaJsonText } from './tsmeta-text';
import { jsonObject, queryString, required } from './request-input';

const TYPES = ['tsmeta', 'tsmeta_summary', 'tsuids', 'uidmeta'] as const;
type SearchType = (typeof TYPES)[number];

const schema = {
  summary: 'Search TSMeta, TSUIDs or UIDMeta in the meta store (DSDB answers without a search plugin)',
  tags: ['search'],
  querystring: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'terms, all must match; * and ? are globs' },
      limit: { type: 'string', description: 'page size, default 25' },
      start_index: { type: 'string', description: 'first result of the page, default 0' },
    },
  },
};

/** A term as a case-insensitive pattern matching anywhere in a text. */
function termPattern(term: string): RegExp {
  const body = term.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(body, 'i');
}

function matches(patterns: RegExp[], texts: string[]): boolean {
  return patterns.every((p) => texts.some((t) => p.test(t)));
}

function nonNegative(text: unknown, field: string, fallback: number): number {
  if (text === undefined || text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new ApiError(400, `Invalid ${field}: ${String(text)}`);
  return n;
}

const UNKNOWN_SCHEMA: Record<string, unknown> = { summary: 'Unknown search types: OpenTSDB\'s 400', tags: ['search'] };

export function registerSearch(app: FastifyInstance, records: () => MetaRecords): void {
  for (const type of TYPES) {
    app.route({
      method: ['GET', 'POST'],
      url: `/api/search/${type}`,
      schema,
      config: { scope: 'read' },
      handler: async (request, reply) => {
        const started = performance.now();
        const body = request.method === 'POST' ? jsonObject(request) : undefined;
        const qs = queryString(request);
        const query = body ? (typeof body.query === 'string' ? body.query : '') : required(qs, 'query');
        const limit = nonNegative(body ? body.limit : qs.limit, 'limit', 25);
        const startIndex = nonNegative(body ? body.startIndex : qs.start_index, 'start_index', 0);
        const terms = query.split(/\s+/).filter((t) => t !== '' && t !== '*');
        const patterns = terms.map(termPattern);
        const results: unknown[] = [];
        let total = 0;
        const take = (result: () => Promise<unknown>) => {
          const index = total++;
          return index >= startIndex && results.length < limit ? result().then((r) => void results.push(r)) : undefined;
        };
        const r = records();
        if (type === 'uidmeta') {
          for (const kind of UID_KINDS) {
            for await (const { name, uid } of r.uids.list(kind)) {
              const meta = await r.getUidMeta(kind, uid);
              if (!matches(patterns, [name, meta.description, meta.notes, meta.displayName, ...Object.values(meta.custom ?? {})])) continue;
              await take(() => r.uidMetaJson(kind, uid, name));
            }
          }
        } else {
          for await (const tsuid of r.tsuids()) {
            const fields = await r.getTsMeta(tsuid);
            const series = fields && (await r.uids.resolveTsuid(tsuid));
            if (!fields || !series || !splitTsuid(tsuid)) continue;
            const texts = [series.metric, ...Object.keys(series.tags), ...Object.values(series.tags), fields.description, fields.notes, fields.displayName, fields.units, ...Object.values(fields.custom ?? {})];
            if (!matches(patterns, texts)) continue;
            await take(async () => (type === 'tsuids' ? tsuid : type === 'tsmeta_summary' ? { tsuid, metric: series.metric, tags: series.tags } : r.tsMetaJson(tsuid, fields)));
          }
        }
        const answer = { type: (type === 'tsmeta_summary' ? 'TSMETA_SUMMARY' : type.toUpperCase()) as string, query, limit, time: Math.round((performance.now() - started) * 100) / 100, results, startIndex, totalResults: total };
        if (type !== 'tsmeta') return answer;
        // TSMetas as Jackson writes them (max and min as Java doubles: 7.0)
        reply.type('application/json; charset=UTF-8');
        return tsMetaJsonText(answer);
      },
    });
  }
  for (const url of ['/api/search', '/api/search/:type']) {
    app.route({
      method: ['GET', 'POST'],
      url,
      schema: UNKNOWN_SCHEMA,
      config: { scope: 'read' },
      handler: async (request) => {
        const type = (request.params as { type?: string }).type;
        throw new ApiError(400, 'Invalid search query type supplied', type ? `Unknown type: ${type}` : 'Type provided was null or empty');
      },
    });
  }
}

export type { SearchType };
