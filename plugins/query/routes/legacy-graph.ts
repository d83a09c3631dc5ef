/**
 * `/q`, OpenTSDB's legacy graph endpoint (GraphHandler), in its two text forms: `ascii`
 * (one `<metric> <ts> <value> <k=v …>` line per point) and `json` (a summary object).
 * Without either flag it answers a small HTML page: DSDB draws no gnuplot images. Errors
 * are `{"err":"…"}` with `json`, HTML otherwise, as OpenTSDB's non-API routes answer.
 */
import type { FastifyInstance } from 'fastify';
import { executeQuery, type QueryEngineDeps } from '../engine';
import { parseQueryString, type QueryString } from '../parse-uri';
import { formatDouble } from '../serializer';

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function registerLegacyGraph(app: FastifyInstance, deps: () => QueryEngineDeps): void {
  app.get('/q', async (request, reply) => {
    const qs = (request.query ?? {}) as QueryString;
    const started = Date.now();
    const wantJson = qs.json !== undefined;
    try {
      const engine = deps();
      const query = parseQueryString(qs, engine.aggregators);
      const results = await executeQuery(query, engine);
      if (qs.ascii !== undefined) {
        const lines: string[] = [];
        for (const s of results) {
          const tags = Object.entries(s.tags).map(([k, v]) => ` ${k}=${v}`).join('');
          const c = s.numeric;
          if (!c) continue;
          for (let i = 0; i < c.length; i++) {
            const v = c.isInt[i] === 1 ? c.ints[i]!.toString() : formatDouble(c.values[i]!).replace(/"/g, '');
            lines.push(`${s.metric} ${Math.floor(c.timestamps[i]! / 1000)} ${v}${tags}\n`);
          }
        }
        reply.type('text/plain; charset=UTF-8');
        return lines.join('');
      }
      const points = results.reduce((n, s) => n + (s.numeric?.length ?? s.discrete?.length ?? 0), 0);
      if (wantJson) {
        return { plotted: points, points, etags: results.map((s) => s.aggregateTags), timing: Date.now() - started };
      }
      reply.type('text/html; charset=UTF-8');
      return `<!DOCTYPE html><html><head><title>DSDB</title></head><body><p>${results.length} series, ${points} points. DSDB draws no graphs: add <code>ascii</code> or <code>json</code>, or use /api/query.</p></body></html>`;
    } catch (err) {
      const message = (err as Error).message;
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      reply.code(status);
      if (wantJson) return { err: message };
      reply.type('text/html; charset=UTF-8');
      return `<!DOCTYPE html><html><head><title>Bad Request</title></head><body><h1>Bad Request</h1><p>${escapeHtml(message)}</p></body></html>`;
    }
  });
}
