/**
 * `graph-image`: OpenTSDB's `/q` graph endpoint. `png` renders the graph on the server
 * (SVG drawn here, rasterised by @resvg/resvg-js: no gnuplot, no browser); `ascii` and
 * `json` answer GraphHandler's text forms; no flag answers a page showing the PNG.
 * Errors are OpenTSDB's: an HTML page, or `{"err":"…"}` with `json`.
 */
import os from 'node:os';
import type { FastifyReply } from 'fastify';
import { definePlugin, Type } from '../../core';
import { JsonNumber } from '../../lib/opentsdb';
import { asciiOutput, htmlError, htmlPage, jsonOutput } from './outputs';
import { GraphError, parseGraphParams, type GraphParams, type QueryString } from './params';
import { renderSvg, type PlotSeries } from './render-svg';
import { runQueries, type QuerySeries } from './series';
import { axisTimeMs } from './time';
import { Admission, flag, getHttpHooks, timeSpec, type RouteSchema } from '../../lib/http';
import { takeRenderTurn } from './render-turn';

/** The OpenAPI description of /q (OpenTSDB's GraphHandler parameters; docs/gui.md). */
const GRAPH_SCHEMA: RouteSchema = {
  summary: "OpenTSDB's legacy graph endpoint: a PNG, JSON, ASCII lines or an HTML page",
  tags: ['gui'],
  querystring: {
    type: 'object',
    properties: {
      start: timeSpec,
      end: timeSpec,
      m: { type: 'array', items: { type: 'string' }, description: '/api/query m= sub-queries' },
      tz: { type: 'string' },
      wxh: { type: 'string', description: 'WIDTHxHEIGHT' },
      json: flag,
      ascii: flag,
      png: flag,
      yrange: { type: 'string', description: '[min:max]' },
      ylabel: { type: 'string' },
      title: { type: 'string' },
      ylog: flag,
      key: { type: 'string' },
      nokey: flag,
    },
  },
  response: {
    200: {
      description: 'image/png with png; text/plain with ascii; JSON {plotted, points, etags, timing} with json; else an HTML page',
      content: {
        'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
        'text/plain': { schema: { type: 'string' } },
        'application/json': { schema: { type: 'object' } },
        'text/html': { schema: { type: 'string' } },
      },
    },
    '4xx': { description: 'an HTML error page, or {"err": "…"} with json', content: { 'application/json': { schema: { type: 'object', properties: { err: { type: 'string' } } } }, 'text/html': { schema: { type: 'string' } } } },
    '5xx': { description: 'as 4xx', content: { 'application/json': { schema: { type: 'object', properties: { err: { type: 'string' } } } }, 'text/html': { schema: { type: 'string' } } } },
  },
};

export default definePlugin({
  name: 'graph-image',
  dependencies: ['http', 'query'], // /q runs its queries through /api/query in-process
  options: Type.Object(
    {
      /** most series drawn in one image (the legend says how many more there were) */
      maxSeries: Type.Integer({ minimum: 1, default: 200 }),
      /**
       * PNG images queried and drawn at once; the others wait their turn. 0 (the default):
       * one a CPU core, as OpenTSDB's gnuplot pool. A 4096×4096 raster alone is 64 MiB.
       */
      maxConcurrentRenders: Type.Integer({ minimum: 0, default: 0 }),
      /** PNG requests waiting for a turn at most: past it a request is answered 503 at once */
      maxQueuedRenders: Type.Integer({ minimum: 0, default: 16 }),
      /** how long a PNG request waits for its turn, in ms, before it is answered 503 */
      renderQueueTimeoutMs: Type.Integer({ minimum: 1, default: 30_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, log }, options) {
    const renders = new Admission(options.maxConcurrentRenders || os.availableParallelism(), options.renderQueueTimeoutMs);
    getHttpHooks(hooks).routes.tap('graph-image', (app) => {
      app.get('/q', { config: { scope: 'read', multiValueParams: ['m', 'o'] }, schema: GRAPH_SCHEMA }, async (request, reply) => {
        const startedAt = Date.now();
        const qs = request.query as QueryString;
        const wantsJson = 'json' in qs;
        let rendering = false;
        try {
          const params = parseGraphParams(qs);
          // A PNG's turn is taken before its queries run: a waiting request holds no series.
          if (params.format === 'png') {
            if ((await takeRenderTurn(renders, options.maxQueuedRenders, reply.raw)) === 'gone') return reply.hijack();
            rendering = true;
          }
          // Queries run first whatever the output, so a bad query is an error even for
          // the HTML page (OpenTSDB's GraphHandler parses and runs them before choosing).
          const series = await runQueries(app, params, { authorization: request.headers.authorization, host: request.headers.host });
          if (params.format === 'html') {
            return reply.type('text/html; charset=UTF-8').send(htmlPage(request.url.slice(request.url.indexOf('?') + 1)));
          }
          const plotted = Math.min(series.length, options.maxSeries);
          if (params.format === 'json') return jsonOutput(series, plotted, params.ms.length, startedAt);
          if (params.format === 'ascii') return reply.type('text/plain; charset=UTF-8').send(asciiOutput(series));
          return await sendPng(reply, params, series.slice(0, plotted));
        } catch (err) {
          const status = err instanceof GraphError ? err.status : 500;
          const message = err instanceof Error ? err.message : String(err);
          if (!(err instanceof GraphError)) log.error({ err }, '/q failed');
          reply.code(status);
          if (status === 503) reply.header('retry-after', '1');
          return wantsJson ? reply.send({ err: message }) : reply.type('text/html; charset=UTF-8').send(htmlError(status, message));
        } finally {
          if (rendering) renders.release();
        }
      });
    });
  },
});

/**
 * @resvg/resvg-js, loaded by the first PNG asked for rather than at start: its native module
 * costs ~4.6 MiB of resident memory and starts two threads the moment it loads, and most
 * daemons never draw an image (measured: RSS 40.5 → 45.1 MiB on loading it alone).
 */
let resvg: Promise<typeof import('@resvg/resvg-js')> | undefined;

function loadResvg(): Promise<typeof import('@resvg/resvg-js')> {
  // a failed load is not kept: the next request tries again (and reports its own error)
  return (resvg ??= import('@resvg/resvg-js').catch((err: unknown) => {
    resvg = undefined;
    throw err;
  }));
}

async function sendPng(reply: FastifyReply, params: GraphParams, series: QuerySeries[]): Promise<FastifyReply> {
  const now = Date.now();
  const plot: PlotSeries[] = series.map((s) => ({
    label: seriesLabel(s),
    discrete: s.discrete,
    points: s.dps.map(([t, v]) => [t, v instanceof JsonNumber ? Number(v.text) : null]),
  }));
  // The x axis spans the query's range; the data's when a time form is not read here.
  const times = series.flatMap((s) => (s.dps.length ? [s.dps[0]![0], s.dps[s.dps.length - 1]![0]] : []));
  const start = axisTimeMs(params.start, now, params.tz) ?? (times.length ? Math.min(...times) : now - 3_600_000);
  const end = axisTimeMs(params.end, now, params.tz) ?? (params.end ? Math.max(...times, start + 1000) : now);
  const svg = renderSvg(params, plot, start, Math.max(end, start + 1000));
  const { renderAsync } = await loadResvg();
  const image = await renderAsync(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'original' } });
  return reply.type('image/png').header('cache-control', 'no-cache').send(image.asPng());
}

function seriesLabel(s: QuerySeries): string {
  const tags = Object.entries(s.tags).map(([k, v]) => `${k}=${v}`);
  return tags.length ? `${s.metric}{${tags.join(', ')}}` : s.metric;
}
