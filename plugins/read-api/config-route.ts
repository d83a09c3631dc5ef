/**
 * `/api/config`: the running configuration as OpenTSDB's flat map of string values
 * (keys containing PASS masked), with the OpenTSDB keys clients look for.
 */
import type { FastifyInstance } from 'fastify';
import { flattenSpecs, type ResolvedConfig } from '../../core';
import { CONFIG_SCHEMA } from './schemas';

function flatten(prefix: string, value: unknown, out: Record<string, string>): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v, out);
    return;
  }
  out[prefix] = Array.isArray(value) ? value.map(String).join(',') : String(value);
}

/**
 * The flat map, keys in order. `engine`: the name of the storage engine in use (the only one
 * loaded when the config names none), or undefined when none is.
 */
export function configMap(config: Readonly<ResolvedConfig>, engine?: string): Record<string, string> {
  const out: Record<string, string> = {
    'tsd.network.port': String(config.port),
    'tsd.network.bind': config.host,
    'tsd.core.auto_create_metrics': 'true',
    'tsd.storage.engine': config.storage ?? engine ?? '',
    'tsd.http.query.allow_delete': 'false',
  };
  for (const [key, value] of Object.entries(config)) {
    if (key === 'plugins') continue;
    flatten(`dsdb.${key}`, value, out);
  }
  // the loader's own reading of the list: nested groups flattened, `[name, options]` kept whole
  for (const { spec } of flattenSpecs(config.plugins)) {
    if (typeof spec === 'string') out[`dsdb.plugins.${spec}`] = 'enabled';
    else if (Array.isArray(spec) && typeof spec[0] === 'string') {
      out[`dsdb.plugins.${spec[0]}`] = 'enabled';
      flatten(`dsdb.plugins.${spec[0]}`, spec[1] ?? {}, out);
      if (spec[0] === 'query' && (spec[1] as Record<string, unknown> | undefined)?.allowDelete === true) out['tsd.http.query.allow_delete'] = 'true';
    } else if (spec && typeof spec === 'object' && 'name' in spec) out[`dsdb.plugins.${spec.name}`] = 'enabled';
  }
  for (const key of Object.keys(out)) if (key.toUpperCase().includes('PASS')) out[key] = '********';
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function registerConfig(app: FastifyInstance, config: Readonly<ResolvedConfig>, engineName: () => string | undefined): void {
  app.route({ method: ['GET', 'POST'], url: '/api/config', config: { scope: 'admin' }, schema: CONFIG_SCHEMA, handler: async () => configMap(config, engineName()) });
}
