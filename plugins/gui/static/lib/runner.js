// Runs the view's queries through POST /api/query and hands the result to every panel.
// A query returning more series than the GUI's cap is cut to the first `maxSeries`
// (the panels say so), so a huge answer cannot freeze the page.
import { apiPost } from './api.js';
import { isBigInt, parseExactJson } from './exact-json.js';
import { seriesLabel } from './format.js';

/**
 * `number` series are drawn as lines; `discrete` ones (strings, JSON) as events. A point
 * is `[seconds, value]`, plus the exact digits for an integer beyond 2^53:
 * `[seconds, approximate number, '9007199254740993']`. The query asks for milliseconds
 * (`msResolution`: without it OpenTSDB writes each point's time truncated to its second, so
 * events a few ms apart showed as one time), and seconds here are fractional: what uPlot's
 * time axis takes.
 */
function normalize(raw) {
  const points = raw.dps.map(([t, ...rest]) => [t / 1000, ...rest]);
  const discrete = points.some(([, v]) => (typeof v === 'string' && v !== 'NaN') || (typeof v === 'object' && v !== null && !isBigInt(v)));
  return {
    metric: raw.metric,
    tags: raw.tags || {},
    aggregateTags: raw.aggregateTags || [],
    label: seriesLabel(raw),
    kind: discrete ? 'discrete' : 'number',
    points: discrete ? points.map(([t, v]) => [t, isBigInt(v) ? v.int : v]) : points.map(([t, v]) => (isBigInt(v) ? [t, Number(v.int), v.int] : [t, typeof v === 'number' ? v : null])),
  };
}

/** The /api/query body of a view. */
export function queryBody(state) {
  return {
    start: state.start,
    ...(state.end ? { end: state.end } : {}),
    msResolution: true,
    queries: state.queries
      .filter((q) => q.metric)
      .map((q) => ({
        aggregator: q.aggregator || 'sum',
        metric: q.metric,
        ...(q.rate ? { rate: true, rateOptions: { counter: !!q.counter } } : {}),
        ...(q.downsample ? { downsample: q.downsample } : {}),
        ...(q.jsonPath ? { jsonPath: q.jsonPath } : {}),
        // the filter as chosen: `literal_or(web*)` matches the text `web*`, as in the URL and /q
        filters: q.filters.filter((f) => f.tagk && f.filter).map((f) => ({ type: f.type, tagk: f.tagk, filter: f.filter, groupBy: !!f.groupBy })),
      })),
  };
}

export function createRunner(store, { maxSeries }) {
  const listeners = new Set();
  let last = { status: 'idle', series: [], total: 0, truncated: false };
  let sequence = 0;
  let timer;
  const emit = (result) => {
    last = result;
    listeners.forEach((fn) => fn(result));
  };

  async function run() {
    const state = store.get();
    const body = queryBody(state);
    const mine = ++sequence; // an older answer arriving late is dropped
    if (body.queries.length === 0) return emit({ status: 'idle', series: [], total: 0, truncated: false });
    emit({ ...last, status: 'loading' });
    const started = performance.now();
    try {
      const raw = await apiPost('/api/query?arrays=true', body, undefined, parseExactJson);
      if (mine !== sequence) return;
      emit({
        status: 'ok',
        total: raw.length,
        truncated: raw.length > maxSeries,
        series: raw.slice(0, maxSeries).map(normalize),
        elapsedMs: Math.round(performance.now() - started),
        state,
      });
    } catch (error) {
      if (mine !== sequence) return;
      emit({ status: 'error', series: [], total: 0, truncated: false, error: error.message, details: error.details, state });
    }
  }

  function schedule() {
    clearInterval(timer);
    const seconds = store.get().refresh;
    if (seconds > 0) timer = setInterval(run, seconds * 1000);
  }

  store.subscribe(() => {
    schedule();
    run();
  });
  schedule();
  return {
    run,
    current: () => last,
    subscribe(fn) {
      listeners.add(fn);
      fn(last);
      return () => listeners.delete(fn);
    },
  };
}
