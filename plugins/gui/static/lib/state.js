// The GUI's whole view lives in the page URL (`/?start=1h-ago&m=sum:cpu{host=a}&…`), so
// a view can be shared, bookmarked and reloaded. A store holds it and tells subscribers.
import { formatQuery, parseQuery } from './query-expr.js';

export const DEFAULT_START = '1h-ago';

/** The state in a URL query string. */
export function readState(search) {
  const params = new URLSearchParams(search);
  const refresh = Number(params.get('refresh') || 0);
  return {
    start: params.get('start') || DEFAULT_START,
    end: params.get('end') || '',
    queries: params.getAll('m').filter(Boolean).map(parseQuery),
    refresh: Number.isFinite(refresh) && refresh > 0 ? refresh : 0,
  };
}

/** The URL query string of a state (queries without a metric are left out). */
export function writeState(state) {
  const params = new URLSearchParams();
  params.set('start', state.start || DEFAULT_START);
  if (state.end) params.set('end', state.end);
  for (const q of state.queries) if (q.metric) params.append('m', formatQuery(q));
  if (state.refresh > 0) params.set('refresh', String(state.refresh));
  return params.toString();
}

/** A store of the state, kept in sync with the URL (history entries, back/forward). */
export function createStore() {
  let state = readState(location.search);
  const listeners = new Set();
  const emit = () => listeners.forEach((fn) => fn(state));
  window.addEventListener('popstate', () => {
    state = readState(location.search);
    emit();
  });
  return {
    get: () => structuredClone(state),
    /** Replaces the state; a new history entry unless it is the same view. */
    set(next) {
      const search = writeState(next);
      state = readState(search);
      if (`?${search}` !== location.search) history.pushState(null, '', `?${search}`);
      emit();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
