/** `/api/suggest` (SuggestRpc): names by prefix, sorted, at most `max` (default 25; 0 or less: all; an int, as Integer.parseInt reads it). */
import type { FastifyInstance } from 'fastify';
import { type NameKind, type StorageEngine } from '../../core';
import { ApiError, jsonText, parseJavaInt } from '../../lib/opentsdb';
import { suggestVisible } from '../../lib/storage';
import { routeWithBody } from '../../lib/http';
import { jsonBody } from './json-body';
import { SUGGEST_SCHEMA } from './schemas';

const TYPES: readonly NameKind[] = ['metrics', 'tagk', 'tagv'];
const INT_MAX = 2147483647;

export function registerSuggest(app: FastifyInstance, storage: () => StorageEngine): void {
  routeWithBody(app, {
    method: ['GET', 'POST'],
    url: '/api/suggest',
    config: { scope: 'read' },
    schema: SUGGEST_SCHEMA,
    handler: async (request) => {
      let type: string | undefined;
      let q: string;
      let maxText: string | undefined;
      if (request.method === 'POST') {
        const body = jsonBody(request.body);
        if (body.type === undefined) throw new ApiError(400, "Missing 'type' parameter");
        type = jsonText(body.type, 'type');
        q = body.q === undefined ? '' : jsonText(body.q, 'q');
        maxText = body.max === undefined ? undefined : jsonText(body.max, 'max');
      } else {
        const qs = request.query as Record<string, string | undefined>;
        type = qs.type;
        if (type === undefined) throw new ApiError(400, 'Missing parameter <code>type</code>');
        q = qs.q ?? '';
        maxText = qs.max;
      }
      if (!TYPES.includes(type as NameKind)) throw new ApiError(400, `Invalid 'type' parameter:${type}`);
      let max = 25;
      if (maxText !== undefined && maxText !== '') {
        // Integer.parseInt: past Java's int range is no number either
        if (!/^-?\d+$/.test(maxText) || parseJavaInt(maxText) === undefined) throw new ApiError(400, "Unable to parse 'max' as a number");
        max = Number(maxText);
      }
      // 0 or less: every match, as OpenTSDB's UniqueId.suggest reads it (measured)
      if (max <= 0) max = INT_MAX;
      // DSDB's internal series (rollups: core/internal-series.ts) are never suggested
      return suggestVisible(storage(), type as NameKind, q, max);
    },
  });
}
