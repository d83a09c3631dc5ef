/**
 * `/api/uid/rename` (OpenTSDB's UniqueIdRpc.handleRename): GET `?metric=old&name=new` (or
 * `tagk=`, `tagv=`) or POST `{"metric":"old","name":"new"}`. The UID keeps its number and
 * gets the new name; `{"result":"true"}`, or 400 `{"result":"false","error":"…"}` with
 * OpenTSDB's messages (old name unknown, new name taken or invalid).
 *
 * Only a name no stored series uses is renamed here. OpenTSDB's rows hold UIDs, so its
 * rename moves every series at once; DSDB's series are keyed by their names, so renaming
 * the UID alone left the data under the old name while the UID answered to the new one
 * (a query of the new name was 400 `No such name`, the series' TSMeta 404). Moving the
 * points online would race writes still arriving under the old name, so a name in use is
 * refused (400, result false) with the way to move it: `dsdb uid rename` (docs/cli.md).
 */
import type { FastifyInstance } from 'fastify';
import type { NameKind, StorageEngine } from '../../core';
import { ApiError, validateName } from '../../lib/opentsdb';
import { nameExists, UidNameError, type MetaUidService, type UidKind } from '../../lib/uid';
import { javaBytes, jsonObject, methodNotAllowed, queryString, tableKind } from './request-input';

const schema = {
  summary: 'Rename a metric, tag key or tag value (its UID stays)',
  tags: ['uid'],
  querystring: {
    type: 'object',
    properties: { metric: { type: 'string' }, tagk: { type: 'string' }, tagv: { type: 'string' }, name: { type: 'string', description: 'the new name' } },
  },
};

/** The storage's word for a UID kind (`metric` → `metrics`). */
const NAME_KIND: Record<UidKind, NameKind> = { metric: 'metrics', tagk: 'tagk', tagv: 'tagv' };

export function registerRename(app: FastifyInstance, uids: () => MetaUidService, storage: () => StorageEngine): void {
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/api/uid/rename',
    schema,
    config: { scope: 'admin' },
    handler: async (request, reply) => {
      const method = request.method.toUpperCase();
      if (method !== 'GET' && method !== 'POST') throw methodNotAllowed(method, false);
      const source: Record<string, unknown> = method === 'POST' ? (jsonObject(request) ?? {}) : queryString(request);
      // the last kind named wins, as OpenTSDB's checks run metric, tagk, tagv
      let kind: UidKind | undefined;
      for (const k of ['metric', 'tagk', 'tagv'] as const) if (typeof source[k] === 'string' && source[k] !== '') kind = k;
      const to = source.name;
      if (!kind || typeof to !== 'string' || to === '') throw new ApiError(400, 'Missing necessary values to rename UID');
      const from = source[kind] as string;
      const fail = (error: string) => {
        reply.code(400);
        return { result: 'false', error };
      };
      const invalid = validateName(kind, to);
      if (invalid) return fail(invalid);
      if ((await uids().getId(kind, from)) !== undefined && (await nameExists(storage(), NAME_KIND[kind], from))) {
        return fail(`Series are stored under the ${kind} "${from}": renaming its UID here would leave them under the old name. Move them with: dsdb uid rename ${NAME_KIND[kind]} ${from} ${to}`);
      }
      try {
        await uids().rename(kind, from, to);
      } catch (err) {
        if (!(err instanceof UidNameError)) throw err;
        if (err.reason === 'unknown') return fail(`Name("${from}") does not exist`);
        const taken = (await uids().getId(kind, to)) ?? '';
        return fail(`When trying rename("${from}", "${to}") on UniqueId(tsdb-uid, ${tableKind(kind)}, 3): new name already assigned ID=${javaBytes(taken)}`);
      }
      return { result: 'true' };
    },
  });
}
