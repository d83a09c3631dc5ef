/**
 * Reading a running daemon over its HTTP API (`--url`): raw points through `/api/query`
 * with the `none` aggregator (one result per series, no interpolation), millisecond
 * timestamps and array dps, numbers kept exact (parseExactJson).
 */
import { CliExit, ValueKind, seriesKeyString, type SeriesData, type SeriesPoints, type TimeRange } from '../../core';
import { apiErrorText, isQueryAnswer, isStringArray, JsonNumber, canonicalJson, parseExactJson, type ExactJson } from '../../lib/opentsdb';
import { metricsOf, type Selection, type TagFilterArg } from './selection';

export async function getJson(url: string): Promise<ExactJson> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    const e = err as Error;
    throw new CliExit(`cannot reach ${url}: ${e.cause ? (e.cause as Error).message : e.message}`);
  }
  const text = await res.text();
  let body: ExactJson;
  try {
    body = parseExactJson(text);
  } catch {
    throw new CliExit(`${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const error = (body as { error?: { message?: ExactJson; details?: ExactJson } }).error;
    throw new CliExit(`${url} answered ${res.status}: ${error?.message !== undefined ? apiErrorText(error, (m, d) => `${m} (${d})`) : text.slice(0, 200)}`);
  }
  return body;
}

/**
 * getJson, for an answer of a known shape: a 200 whose body is not one (another server on
 * the port, a proxy's page) is a clear error naming what was expected.
 */
export async function getJsonOf<T>(url: string, isShape: (body: unknown) => body is T, expected: string): Promise<T> {
  const body = await getJson(url);
  if (!isShape(body)) {
    throw new CliExit(`${url} answered 200 with JSON that is not ${expected} (is a DSDB or OpenTSDB daemon there?): ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body;
}

/** An /api/suggest answer: an array of names. */
export const suggestAnswer = (url: string): Promise<string[]> => getJsonOf(url, isStringArray, 'an array of names');

/** An /api/config answer: an object. */
export const configAnswer = (url: string): Promise<Record<string, ExactJson>> =>
  getJsonOf(url, (b): b is Record<string, ExactJson> => typeof b === 'object' && b !== null && !Array.isArray(b), 'an object of settings');

function filterText(filters: readonly TagFilterArg[]): string {
  return filters.length === 0 ? '' : `{${filters.map((f) => `${f.key}=${f.values ? f.values.join('|') : '*'}`).join(',')}}`;
}

function toPoints(dps: ExactJson[]): SeriesPoints {
  const n = dps.length;
  const points: SeriesPoints = { length: n, timestamps: new Float64Array(n), kinds: new Uint8Array(n), floats: new Float64Array(n), ints: new BigInt64Array(n), texts: new Array(n) };
  for (let i = 0; i < n; i++) {
    const [t, v] = dps[i] as [JsonNumber, ExactJson];
    points.timestamps[i] = Number(t.text);
    if (v instanceof JsonNumber) {
      if (/^-?\d+$/.test(v.text)) {
        points.kinds[i] = ValueKind.Int;
        points.ints[i] = BigInt(v.text);
      } else {
        points.kinds[i] = ValueKind.Float;
        points.floats[i] = Number(v.text);
      }
    } else if (typeof v === 'string') {
      points.kinds[i] = ValueKind.String;
      points.texts[i] = v;
    } else {
      points.kinds[i] = ValueKind.Json;
      points.texts[i] = canonicalJson(v);
    }
  }
  return points;
}

/** The selected series with their raw points, from a daemon, in the order readSelection uses. */
export async function* readRemoteSelection(base: string, selection: Selection, range: TimeRange): AsyncIterable<SeriesData> {
  const listAll = () => suggestAnswer(`${base}/api/suggest?type=metrics&max=1000000000`);
  for (const { metric, filters } of await metricsOf(selection, listAll)) {
    const m = `none:${metric}${filterText(filters)}`;
    const query = `${base}/api/query?start=${range.start}&end=${range.end}&ms&arrays&exact&show_tsuids&m=${encodeURIComponent(m)}`;
    const results = await getJsonOf(query, isQueryAnswer, 'an /api/query answer');
    const keyed = results.map((r) => ({ key: seriesKeyString(r.metric, r.tags), r }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { r } of keyed) {
      // asked with `arrays`: dps is an array of pairs (an object is another server's answer)
      if (!Array.isArray(r.dps)) throw new CliExit(`${query} answered dps as an object, not the arrays it asked for (is a DSDB or OpenTSDB 2.4+ daemon there?)`);
      if (r.dps.length === 0) continue;
      yield { series: { id: r.tsuids?.[0] ?? '', metric: r.metric, tags: r.tags }, points: toPoints(r.dps) };
    }
  }
}
