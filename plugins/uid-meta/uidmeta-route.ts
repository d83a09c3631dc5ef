/**
 * `/api/uid/uidmeta` (OpenTSDB's UniqueIdRpc.handleUIDMeta): one UID's meta data.
 *  - GET `?uid=000001&type=metric`: the UIDMeta (defaults when none was stored: created 0);
 *    404 "Could not find the requested UID" for an unknown UID.
 *  - POST (merge the fields given) / PUT (replace them all), a JSON body or the query
 *    string: `uid`, `type`, `description`, `displayName`, `notes`, `created`, `custom`.
 *    The stored UIDMeta, or 304 with no body when no field was given.
 *  - DELETE: forgets the meta (the UID stays); 204.
 */
import { noContent, withErrors } from '../../lib/http';
import type { FastifyInstance } from 'fastify';
import { ApiError, jsonInteger } from '../../lib/opentsdb';
import { mergedCreated, UID_HEX, type MetaRecords, type UidKind, type UidMetaFields } from '../../lib/uid';
import { hexArgument, javaBytes, jsonObject, kindOf, methodOf, methodNotAllowed, queryString, required, tableKind } from './request-input';

const schema = {
  summary: 'Read, change or delete the meta data of a UID',
  tags: ['uid'],
  response: withErrors({ 200: { type: 'object', description: 'UIDMeta JSON' }, 204: noContent, 304: { ...noContent, description: 'Not modified: nothing changed' } }),
  querystring: {
    type: 'object',
    properties: { uid: { type: 'string' }, type: { type: 'string', description: 'metric, tagk or tagv' } },
  },
};

const EDITABLE = ['description', 'displayName', 'notes', 'created', 'custom'] as const;

/** The editable fields a request gives (a JSON body, or `fromQueryString` the query string), checked. */
function givenFields(source: Record<string, unknown>, fromQueryString: boolean): Partial<UidMetaFields> {
  const out: Partial<UidMetaFields> = {};
  for (const f of EDITABLE) {
    const v = source[f];
    if (v === undefined || v === null) continue;
    if (f === 'created') {
      // a Java long: a fraction is dropped, a number past the range refused (Jackson)
      out.created = fromQueryString ? queryStringInteger(v) : jsonInteger(v, 'created', 64);
    } else if (f === 'custom') {
      if (typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, 'Unable to parse the given JSON', 'custom must be an object of strings');
      out.custom = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
    } else {
      out[f] = String(v);
    }
  }
  return out;
}

/** `created` from the query string: an integer's text. */
function queryStringInteger(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ApiError(400, 'Unable to parse the given JSON', 'created must be an integer');
  return n;
}

export function registerUidMeta(app: FastifyInstance, records: () => MetaRecords): void {
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/api/uid/uidmeta',
    schema,
    config: { scope: { GET: 'read', POST: 'admin', PUT: 'admin', DELETE: 'admin' } },
    handler: async (request, reply) => {
      const method = methodOf(request);
      const qs = queryString(request);
      const r = records();
      const nameOf = async (kind: UidKind, uid: string) => {
        const name = await r.uids.getName(kind, uid);
        if (name === undefined) throw new ApiError(404, 'Could not find the requested UID', `No such unique ID for '${tableKind(kind)}': ${javaBytes(uid)}`);
        return name;
      };
      if (method === 'GET') {
        const uid = hexArgument(required(qs, 'uid'));
        const kind = kindOf(required(qs, 'type'));
        // UniqueId.getNameAsync: a UID of another width than the table's is OpenTSDB's 500 (a 400 here, divergence 10)
        if (uid.length !== UID_HEX) throw new ApiError(400, `java.lang.IllegalArgumentException: Wrong id.length = ${uid.length / 2} which is != ${UID_HEX / 2} required for '${tableKind(kind)}'`);
        return r.uidMetaJson(kind, uid, await nameOf(kind, uid));
      }
      if (method === 'POST' || method === 'PUT') {
        const body = jsonObject(request);
        const source: Record<string, unknown> = body ?? qs;
        if (typeof source.uid !== 'string' || source.uid === '') throw new ApiError(400, 'Missing UID', 'Missing UID');
        if (typeof source.type !== 'string' || source.type === '') throw new ApiError(400, 'Missing type', 'Missing type');
        let kind: UidKind;
        try {
          kind = kindOf(source.type);
        } catch {
          throw new ApiError(400, 'Unable to parse the given JSON', `Invalid type requested: ${source.type}`);
        }
        const uid = hexArgument(source.uid);
        const name = await nameOf(kind, uid);
        const given = givenFields(source, body === undefined);
        // OpenTSDB's setters mark a field changed only when it differs from a new UIDMeta's
        // (measured: created 0 and "" texts are no change, a 304 alone)
        if (given.created === 0) delete given.created;
        for (const f of ['description', 'displayName', 'notes'] as const) if (given[f] === '') delete given[f];
        if (Object.keys(given).length === 0) {
          reply.code(304);
          return reply.send();
        }
        const base = method === 'POST' ? await r.getUidMeta(kind, uid) : { ...(await r.getUidMeta(kind, uid)), description: '', notes: '', custom: null, displayName: '' };
        const fields: UidMetaFields = { ...base, ...given, created: mergedCreated(base.created, given.created) };
        await r.putUidMeta(kind, uid, fields);
        return r.uidMetaJson(kind, uid, name);
      }
      if (method === 'DELETE') {
        const body = jsonObject(request);
        const source: Record<string, string | undefined> = body ? { uid: body.uid == null ? undefined : String(body.uid), type: body.type == null ? undefined : String(body.type) } : qs;
        const uid = hexArgument(required(source, 'uid'));
        const kind = kindOf(required(source, 'type'));
        await r.deleteUidMeta(kind, uid);
        reply.code(204);
        return reply.send();
      }
      throw methodNotAllowed(method);
    },
  });
}
