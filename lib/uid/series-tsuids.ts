/**
 * TSUIDs where OpenTSDB takes and gives them (/api/query `tsuids` and `showTSUIDs`,
 * /api/query/last, /api/search/lookup, annotations): DSDB's series are found by metric and
 * tags, and a TSUID is the series' OpenTSDB form (its names' UIDs) once they have UIDs —
 * the uid-meta plugin assigns them when a series is first written. A series whose names
 * have none (written before the plugin was loaded, or without it) keeps the engine's own
 * series id, which these functions also accept.
 */
import type { SeriesInfo, SeriesKey, StorageEngine } from '../../core';
import { splitTsuid } from './meta-uid-service';
import { uidServiceFor } from './service-for';
import type { SeriesName } from './types';

/**
 * TSUIDs found, by series object (engines hand out one SeriesInfo per series for its life):
 * a name's UID never changes once assigned (a rename keeps it), so a found TSUID is kept.
 */
const known = new WeakMap<object, string>();

/**
 * tsuidOfSeries without a promise, when the answer is in memory: the series' TSUID found
 * before or made from cached UIDs; undefined when the store must be asked (then await
 * tsuidOfSeries). For loops over many series (a query's answer): no promise a series.
 */
export function knownTsuidOfSeries(engine: StorageEngine, series: SeriesKey & { id: string }): string | undefined {
  const found = known.get(series);
  if (found !== undefined) return found;
  const tsuid = uidServiceFor(engine).cachedTsuid(series);
  if (tsuid !== undefined) known.set(series, tsuid);
  return tsuid;
}

/** The series' OpenTSDB TSUID when all its names have UIDs, else the engine's series id. Per series, cached lookups. */
export async function tsuidOfSeries(engine: StorageEngine, series: SeriesKey & { id: string }): Promise<string> {
  const found = knownTsuidOfSeries(engine, series);
  if (found !== undefined) return found;
  const tsuid = await uidServiceFor(engine).existingTsuid(series);
  if (tsuid === undefined) return series.id;
  known.set(series, tsuid);
  return tsuid;
}

/** The metric and tags an OpenTSDB TSUID names; undefined when it is not one (then it may be an engine id). */
export async function seriesOfTsuid(engine: StorageEngine, tsuid: string): Promise<SeriesName | undefined> {
  if (!splitTsuid(tsuid)) return undefined;
  return uidServiceFor(engine).resolveTsuid(tsuid);
}

/**
 * The stored series the TSUIDs name (OpenTSDB TSUIDs or engine ids), each once, in the
 * engine's lookup order per TSUID. `pause` is awaited between series of an id scan.
 */
export async function seriesOfTsuids(engine: StorageEngine, tsuids: readonly string[], pause?: () => Promise<void> | undefined): Promise<SeriesInfo[]> {
  const out: SeriesInfo[] = [];
  const seen = new Set<string>();
  const engineIds = new Set<string>();
  for (const t of tsuids) {
    const named = await seriesOfTsuid(engine, t);
    if (!named) {
      engineIds.add(t.toUpperCase());
      continue;
    }
    const keys = Object.keys(named.tags);
    const predicates = keys.map((key) => ({ key, literals: [named.tags[key]!], test: (v: string | undefined) => v === named.tags[key] }));
    for await (const info of engine.lookup({ metric: named.metric, predicates, explicitTagKeys: keys })) {
      if (!seen.has(info.id)) {
        seen.add(info.id);
        out.push(info);
      }
    }
  }
  if (engineIds.size > 0) {
    for await (const info of engine.lookup({})) {
      if (engineIds.has(info.id.toUpperCase()) && !seen.has(info.id)) {
        seen.add(info.id);
        out.push(info);
      }
      await pause?.();
    }
  }
  return out;
}
