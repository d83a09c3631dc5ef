/**
 * `histogram`: OpenTSDB 2.4's histograms. Writes through POST `/api/histogram` (JSON buckets
 * or the binary `value` with its codec `id`) and the telnet `histogram` command; points are
 * stored as DSDB JSON values in their series (the stored form of lib/histogram), so every
 * storage engine keeps them. Queries with `percentiles` or `showHistogramBuckets` are
 * answered through the query plugin's `histograms` hook; other queries do not see
 * histogram points (its `series` hook), as in OpenTSDB.
 */
import { definePlugin, DsdbError, Type, type WriteService } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { fromBinary, fromTelnetValue, type SimpleHistogram } from '../../lib/histogram';
import { ApiError, checkMetricAndTags, parseLongError, timestampInRange } from '../../lib/opentsdb';
import { getQueryHooks } from '../../lib/query';
import { getTelnetHooks, type TelnetConnection } from '../../lib/telnet';
import { codecTable, SIMPLE_CODEC } from './codecs';
import { answerHistograms, withoutHistograms } from './query';
import { readPojos } from './read-body';
import { HistogramCollector } from './write';

const NOT_ENABLED = "Histogram storage has not been enabled. Check the 'tsd.core.histograms.config' configuration.";

export default definePlugin({
  name: 'histogram',
  dependencies: ['http', 'query'],
  enhances: ['telnet'],
  options: Type.Object(
    {
      /**
       * OpenTSDB's `tsd.core.histograms.config`: codec class → id (0–255). Empty: histograms
       * are off (/api/histogram answers 503, telnet `histogram` refuses), as in OpenTSDB.
       */
      codecs: Type.Record(Type.String(), Type.Integer(), { default: { [SIMPLE_CODEC]: 0 } }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log, configFile, configKey }, options) {
    const codecs = codecTable(options.codecs, { file: configFile, key: configKey });
    const simpleId = [...codecs.keys()][0];
    const enabled = codecs.size > 0;
    const writer = (): WriteService => container.resolve('writer');

    getHttpHooks(hooks).routes.tap('histogram', (app) => {
      app.route({
        method: ['GET', 'POST', 'PUT', 'DELETE'],
        url: '/api/histogram',
        config: { scope: 'write' },
        schema: {
          summary: 'Write histogram points (OpenTSDB 2.4 /api/histogram)',
          tags: ['write'],
          querystring: { type: 'object', properties: { summary: {}, details: {}, sync: {} } },
        },
        handler: async (request, reply) => {
          if (!enabled) throw new ApiError(503, NOT_ENABLED);
          if (request.method !== 'POST') throw new ApiError(405, 'Method not allowed', `The HTTP method [${request.method}] is not permitted for this endpoint`);
          const query = request.query as Record<string, unknown>;
          const summary = 'summary' in query;
          const details = 'details' in query;
          const collector = new HistogramCollector(codecs);
          for (const p of readPojos(request.body)) {
            if (p === null) collector.reject(null, 'Unexpected null datapoint encountered in set.');
            else collector.admit(p);
          }
          const batch = collector.batch.take();
          if (batch.length > 0) {
            try {
              await writer().write(batch, { source: 'http', sync: 'sync' in query });
            } catch (err) {
              if (err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE') throw new ApiError(503, 'No storage engine is configured');
              if (err instanceof DsdbError && err.code === 'DSDB_ERR_BAD_WRITE') throw new ApiError(400, 'The points were refused', err.message);
              log.error({ err }, 'histogram write failed');
              throw new ApiError(500, 'Unexpected exception', (err as Error).message);
            }
          }
          if (summary || details) {
            reply.code(collector.failed > 0 ? 400 : 200);
            return { success: collector.success, failed: collector.failed, ...(details ? { errors: collector.errors } : {}) };
          }
          if (collector.failed > 0) throw new ApiError(400, 'One or more data points had errors', 'Please see the TSD logs or append "details" to the put request');
          return reply.code(204).send();
        },
      });
    });

    getTelnetHooks(hooks).commands.tap('histogram', (commands) => {
      commands.add(
        'histogram',
        {
          description: 'histogram <metric> <timestamp> [<id>] <value> <tagk=tagv> [...]: store a histogram point',
          scope: 'write',
          async execute(words, connection) {
            const line = telnetHistogram(words, enabled, codecs, simpleId);
            if (typeof line === 'string') return connection.writeLine(line);
            if (line === undefined) return; // OpenTSDB drops it without a reply
            const collector = new HistogramCollector(codecs);
            collector.push(line.metric, line.tags, line.timestamp, line.histogram);
            await writeTelnet(writer(), collector, connection, log);
          },
        },
        'histogram',
      );
    });

    const queryHooks = getQueryHooks(hooks);
    queryHooks.histograms.tapPromise('histogram', answerHistograms);
    queryHooks.series.tap('histogram', withoutHistograms);
  },
});

interface TelnetPoint {
  metric: string;
  timestamp: number;
  tags: Record<string, string>;
  histogram: SimpleHistogram;
}

/**
 * HistogramDataPointRpc.importDataPoint: an error line (OpenTSDB answers these), undefined
 * (OpenTSDB fails the point asynchronously and, without tsd's telnet errors, says nothing),
 * or the point.
 */
function telnetHistogram(words: string[], enabled: boolean, codecs: Map<number, string>, simpleId: number | undefined): string | TelnetPoint | undefined {
  const illegal = (m: string): string => `histogram: illegal argument: ${m}`;
  if (!enabled) return illegal(NOT_ENABLED);
  if (words.length < 5) return illegal(`not enough arguments (need least 5, got ${words.length - 1})`);
  const metric = words[1]!;
  if (metric.length === 0) return illegal('empty metric name');
  const tsText = words[2]!.includes('.') ? words[2]!.replace(/\./g, '') : words[2]!;
  const tsError = parseLongError(tsText);
  if (tsError) return `histogram: invalid value: ${tsError}`;
  const timestamp = Number(tsText);
  if (timestamp <= 0) return illegal(`invalid timestamp: ${tsText}`);
  const hasId = /^[+-]?\d{1,10}$/.test(words[3]!) && Math.abs(Number(words[3])) <= 2147483647;
  const id = hasId ? Number(words[3]) : simpleId;
  const value = hasId ? words[4]! : words[3]!;
  if (value.length === 0) return illegal('empty histogram value');
  const tags: Record<string, string> = {};
  for (let i = hasId ? 5 : 4; i < words.length; i++) {
    const word = words[i]!;
    if (word.length === 0) continue;
    const kv = word.split('=');
    if (kv.length !== 2 || kv[0]!.length === 0 || kv[1]!.length === 0) return illegal(`invalid tag: ${word}`);
    const known = tags[kv[0]!];
    if (known !== undefined && known !== kv[1]) return illegal(`duplicate tag: ${word}, tags=${JSON.stringify(tags)}`);
    tags[kv[0]!] = kv[1]!;
  }
  let histogram: SimpleHistogram;
  try {
    if (hasId && !codecs.has(id!)) return undefined;
    histogram = hasId ? fromBinary(value) : fromTelnetValue(value);
  } catch {
    return undefined; // a decoding error fails the point asynchronously in OpenTSDB: no reply
  }
  const tagCount = Object.keys(tags).length;
  if (!timestampInRange(timestamp) || checkMetricAndTags(metric, tags, tagCount) !== undefined) return undefined;
  return { metric, timestamp, tags, histogram };
}

async function writeTelnet(writer: WriteService, collector: HistogramCollector, connection: TelnetConnection, log: { error(o: object, m: string): void }): Promise<void> {
  try {
    await writer.write(collector.batch.take(), { source: 'telnet', sync: false });
  } catch (err) {
    if (err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE') return connection.writeLine('histogram: No storage engine is configured');
    log.error({ err }, 'histogram write failed');
    connection.writeLine(`histogram: Storage error: ${(err as Error).message}`);
  }
}

