/**
 * `/api/uid/assign` (OpenTSDB's UniqueIdRpc.handleAssign): GET `?metric=a,b&tagk=…&tagv=…`
 * or POST `{"metric":["a"],"tagk":[…],"tagv":[…]}`. Each name gets the next UID of its
 * kind; a name that has one, or is not a valid name, is an error of that name. Answer:
 * `{"metric":{"a":"000001"},"metric_errors":{"b":"Name already exists with UID: 000002"},…}`
 * — a kind's map is there when the kind was asked, its `_errors` map when one failed, each
 * sorted by name (Java TreeMaps) — with 200, or 400 when any name failed (the same body). A
 * POST body's keys are the types as given: matched in any case (`METRIC`), an unknown one
 * failing each of its names with `Unknown type name` (TSDB.assignUid); an empty list is an
 * empty map; numbers and booleans in a list are their text (Jackson's List<String>).
 */
import type { FastifyInstance } from 'fastify';
import { ApiError, validateName } from '../../lib/opentsdb';
import { UID_KINDS, UidNameError, UidsExhaustedError, type MetaUidService, type UidKind } from '../../lib/uid';
import { jsonObject, methodNotAllowed, queryString } from './request-input';

const schema = {
  summary: 'Assign UIDs to metric names, tag keys and tag values',
  tags: ['uid'],
  querystring: {
    type: 'object',
    properties: {
      metric: { type: 'string', description: 'comma-separated metric names' },
      tagk: { type: 'string', description: 'comma-separated tag keys' },
      tagv: { type: 'string', description: 'comma-separated tag values' },
    },
  },
};

/** The names asked for, by the type key as given (`metric`, `METRIC`, or any other key). */
function requested(method: string, request: Parameters<Parameters<FastifyInstance['route']>[0]['handler']>[0]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (method === 'POST') {
    const body = jsonObject(request);
    if (!body) throw new ApiError(400, 'Missing message content', 'Supply valid JSON formatted data in the body of your request');
    for (const [key, v] of Object.entries(body)) {
      if (v === undefined || v === null) continue;
      const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
      if (!Array.isArray(v) || !v.every(scalar)) throw new ApiError(400, 'Unable to parse the given JSON', `${key} must be an array of strings`);
      out.set(key, v.map(String));
    }
  } else {
    const qs = queryString(request);
    for (const kind of UID_KINDS) {
      const v = qs[kind];
      if (v) out.set(kind, v.split(','));
    }
  }
  return out;
}

/** A type key as TSDB.assignUid reads it: metric, tagk or tagv in any case. */
function kindOfKey(key: string): UidKind | undefined {
  const lower = key.toLowerCase();
  return (UID_KINDS as readonly string[]).includes(lower) ? (lower as UidKind) : undefined;
}

/** A TreeMap's order: names sorted by UTF-16 code units, as Java's String.compareTo. */
function sortedByName(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(map).sort()) out[name] = map[name]!;
  return out;
}

export function registerAssign(app: FastifyInstance, uids: () => MetaUidService): void {
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/api/uid/assign',
    schema,
    config: { scope: 'write' },
    handler: async (request, reply) => {
      const method = request.method.toUpperCase();
      if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(method);
      const wanted = requested(method, request);
      if (wanted.size === 0) throw new ApiError(400, 'Missing values to assign UIDs');
      const service = uids();
      const answer: Record<string, Record<string, string>> = {};
      let failed = false;
      for (const [key, names] of wanted) {
        const kind = kindOfKey(key);
        const assigned: Record<string, string> = {};
        const errors: Record<string, string> = {};
        for (const name of names) {
          if (kind === undefined) {
            errors[name] = 'Unknown type name';
            continue;
          }
          const invalid = validateName(kind, name);
          if (invalid) {
            errors[name] = invalid;
            continue;
          }
          try {
            const { uid, created } = await service.assignNew(kind, name);
            if (created) assigned[name] = uid;
            else errors[name] = `Name already exists with UID: ${uid}`;
          } catch (err) {
            if (!(err instanceof UidNameError) && !(err instanceof UidsExhaustedError)) throw err;
            errors[name] = err.message;
          }
        }
        answer[key] = sortedByName(assigned);
        if (Object.keys(errors).length > 0) {
          answer[`${key}_errors`] = sortedByName(errors);
          failed = true;
        }
      }
      reply.code(failed ? 400 : 200);
      return answer;
    },
  });
}

