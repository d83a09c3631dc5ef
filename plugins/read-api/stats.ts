/**
 * The daemon's own figures: `/api/stats` (OpenTSDB's array of data points, values as
 * strings), `/metrics` (Prometheus text format) and the telnet `stats` command. Every
 * plugin adds its figures through the kernel.collectStats hook.
 */
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { KernelHooks, StatsCollector, StorageEngine } from '../../core';
import { type TelnetCommand } from '../../lib/telnet';
import { METRICS_SCHEMA, STATS_SCHEMA } from './schemas';

export interface StatRecord {
  name: string;
  value: number | bigint;
  tags: Record<string, string>;
}

const started = Date.now();

export async function collectAll(hooks: KernelHooks, storage: StorageEngine | undefined): Promise<StatRecord[]> {
  const host = os.hostname();
  const records: StatRecord[] = [];
  const collector: StatsCollector = {
    record(name, value, tags = {}) {
      records.push({ name, value, tags: { host, ...tags } });
    },
  };
  collector.record('uptime', Math.floor((Date.now() - started) / 1000));
  const memory = process.memoryUsage();
  collector.record('process.rss_bytes', memory.rss);
  collector.record('process.heap_used_bytes', memory.heapUsed);
  // where the rest of the RSS is: V8's reserved heap, and buffers outside it (typed arrays' memory)
  collector.record('process.heap_total_bytes', memory.heapTotal);
  collector.record('process.external_bytes', memory.external);
  collector.record('process.array_buffers_bytes', memory.arrayBuffers);
  hooks.kernel.collectStats.call(collector);
  // The engine's own figures, unless its plugin already reported them through the hook
  // (storage-embedded does): each figure once, so Prometheus takes the page.
  if (storage && !records.some((r) => r.name.startsWith('storage.'))) {
    const stats = await storage.stats().catch(() => undefined);
    for (const [key, value] of Object.entries(stats ?? {})) {
      if (typeof value === 'number') collector.record(`storage.${key}`, value, { engine: storage.name });
    }
  }
  return dedupe(records);
}

/** One record per name and tags (the last reported wins): /api/stats, telnet `stats` and /metrics never repeat a figure. */
function dedupe(records: StatRecord[]): StatRecord[] {
  const byKey = new Map<string, StatRecord>();
  for (const r of records) {
    const key = `${r.name}\u0000${Object.entries(r.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('\u0000')}`;
    byKey.delete(key);
    byKey.set(key, r);
  }
  return [...byKey.values()];
}

/**
 * The Prometheus name of a figure: `storage.walBytes` → `dsdb_storage_wal_bytes`,
 * `http.query.latency_avg_ms` → `dsdb_http_query_latency_avg_seconds` (snake_case and
 * base units, as `promtool check metrics` wants; promValue divides milliseconds by 1000).
 */
export function promName(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_ms$/, '_seconds');
  return `dsdb_${snake}`;
}

/** A figure's value in its Prometheus unit: milliseconds (`…_ms`, `…Ms`) as seconds. */
function promValue(r: StatRecord): string {
  if (!/(_ms|Ms)$/.test(r.name)) return r.value.toString();
  return (Number(r.value) / 1000).toString();
}

function promLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function prometheusText(records: readonly StatRecord[]): string {
  const byName = new Map<string, StatRecord[]>();
  for (const r of records) {
    const name = promName(r.name);
    let list = byName.get(name);
    if (!list) byName.set(name, (list = []));
    list.push(r);
  }
  let out = '';
  for (const [name, list] of byName) {
    out += `# HELP ${name} DSDB figure tsd.${list[0].name} (as in /api/stats and telnet stats)\n`;
    out += `# TYPE ${name} gauge\n`;
    const seen = new Set<string>();
    for (const r of list) {
      const labels = Object.entries(r.tags).map(([k, v]) => `${k.replace(/[^A-Za-z0-9_]/g, '_')}="${promLabel(v)}"`);
      const series = `${name}{${labels.join(',')}}`;
      // two figures whose names differ only in case or punctuation would repeat a sample
      if (seen.has(series)) continue;
      seen.add(series);
      out += `${series} ${promValue(r)}\n`;
    }
  }
  return out;
}

export function registerStats(app: FastifyInstance, hooks: KernelHooks, storage: () => StorageEngine | undefined): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/stats',
    config: { scope: 'read' },
    schema: STATS_SCHEMA,
    handler: async () => {
      const now = Math.floor(Date.now() / 1000);
      const records = await collectAll(hooks, storage());
      return records.map((r) => ({ metric: `tsd.${r.name}`, timestamp: now, value: r.value.toString(), tags: r.tags }));
    },
  });
  app.get('/metrics', { config: { scope: 'read' }, schema: METRICS_SCHEMA }, async (_request, reply) => {
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return prometheusText(await collectAll(hooks, storage()));
  });
}

export function statsCommand(hooks: KernelHooks, storage: () => StorageEngine | undefined): TelnetCommand {
  return {
    description: 'print the daemon statistics',
    scope: 'read',
    async execute(_words, connection) {
      const now = Math.floor(Date.now() / 1000);
      for (const r of await collectAll(hooks, storage())) {
        const tags = Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(' ');
        connection.writeLine(`tsd.${r.name} ${now} ${r.value.toString()} ${tags}`);
      }
    },
  };
}
