/**
 * Runs `/q`'s queries through the daemon's own `/api/query` (an in-process request, so
 * this plugin depends on the endpoint, never on the query plugin's code) and reads the
 * answer with every number's text kept.
 */
import type { FastifyInstance } from 'fastify';
import { JsonNumber, parseExactJson } from '../../lib/opentsdb';
import type { GraphParams } from './params';
import { GraphError } from './params';

export interface QuerySeries {
  metric: string;
  tags: Record<string, string>;
  aggregateTags: string[];
  /** index of the `m` this series answers */
  index: number;
  /** `[ms, value]`, value as parsed by the kernel's parseExactJson (numbers as JsonNumber, their text kept) */
  dps: Array<[number, unknown]>;
  /** holds strings or JSON objects rather than numbers */
  discrete: boolean;
}

/**
 * `forwarded` are the caller's own headers, passed on to the in-process `/api/query`:
 * `authorization`, so that it sees the same credentials (with the auth plugin loaded it
 * checks them again; without it the header is ignored), and `host`, which http's
 * `allowedHosts` checks (inject's own `localhost:80` would be refused with 421).
 */
export async function runQueries(app: FastifyInstance, params: GraphParams, forwarded: { authorization?: string; host?: string } = {}): Promise<QuerySeries[]> {
  const qs = new URLSearchParams({ start: params.start });
  if (params.end) qs.set('end', params.end);
  if (params.tz) qs.set('timezone', params.tz); // /api/query's GET ignores `tz`, as OpenTSDB's does
  for (const m of params.ms) qs.append('m', m);
  qs.set('arrays', 'true');
  qs.set('show_query', 'true');
  qs.set('no_annotations', 'true');
  qs.set('ms', 'true');
  const headers: Record<string, string> = {};
  if (forwarded.authorization !== undefined) headers.authorization = forwarded.authorization;
  if (forwarded.host !== undefined) headers.host = forwarded.host;
  const reply = await app.inject({ method: 'GET', url: `/api/query?${qs}`, headers });
  if (reply.statusCode !== 200) {
    let message = `Query failed with HTTP ${reply.statusCode}`;
    try {
      message = JSON.parse(reply.body).error.message ?? message;
    } catch {
      /* not OpenTSDB's error JSON: keep the generic message */
    }
    throw new GraphError(reply.statusCode >= 400 && reply.statusCode < 600 ? reply.statusCode : 500, message);
  }
  const raw = parseExactJson(reply.body) as unknown as Array<{ metric: string; tags: Record<string, string>; aggregateTags?: string[]; query?: { index?: JsonNumber }; dps: Array<[JsonNumber, unknown]> }>;
  return raw.map((s) => {
    const dps = s.dps.map(([ts, v]) => [Number(ts.text), v] as [number, unknown]);
    return {
      metric: s.metric,
      tags: s.tags ?? {},
      aggregateTags: s.aggregateTags ?? [],
      index: s.query?.index ? Number(s.query.index.text) : 0,
      dps,
      discrete: dps.some(([, v]) => v !== null && !(v instanceof JsonNumber) && v !== 'NaN'),
    };
  });
}
