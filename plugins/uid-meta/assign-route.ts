/**
 * `/api/uid/assign` (OpenTSDB's UniqueIdRpc.handleAssign): GET `?metric=a,b&tagk=…&tagv=…`
 * or POST `{"metric":["a"],"tagk":[…],"tagv":[…]}`. Each name gets the next UID of its
 * kind; a name that has one, or is not a valid name, is an error of that name. Answer:
 * `{"metric":{"a":"000001"},"metric_errors":{"b":"Name already exists with UID: 000002"},…}`
 * — a kind's map is there when the kind was asked, its `_errors` map when one failed —
 * with 200, or 400 when any name failed (the same body).
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

function requested(method: string, request: Parameters<Parameters<FastifyInstance['route']>[0]['handler']>[0]): Map<UidKind, string[]> {
  const out = new Map<UidKind, string[]>();
  if (method === 'POST') {
    const body = jsonObject(request);
    if (!body) throw new ApiError(400, 'Missing message content', 'Supply valid JSON formatted data in the body of your request');
    for (const kind of UID_KINDS) {
      const v = body[kind];
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ApiError(400, 'Unable to parse the given JSON', `${kind} must be an array of strings`);
      if (v.length > 0) out.set(kind, v as string[]);
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
      for (const [kind, names] of wanted) {
        const assigned: Record<string, string> = {};
        const errors: Record<string, string> = {};
        for (const name of names) {
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
        answer[kind] = assigned;
        if (Object.keys(errors).length > 0) {
          answer[`${kind}_errors`] = errors;
          failed = true;
        }
      }
      reply.code(failed ? 400 : 200);
      return answer;
    },
  });
}

