// One metric query of the GUI ⇄ OpenTSDB's `m=` expression, the form the GUI keeps in
// its URL (docs/gui.md): `agg:[jsonpath=PATH:][rate[{counter}]:][downsample:]metric{groupby filters}{other filters}`.
// A filter is `key=value` (literal_or; with `*`, iwildcard, as OpenTSDB reads it) or
// `key=type(value)`. What the GUI queries is what this text says: runner.js sends the
// same filters, and /q reads the same `m=`.

/** A blank metric query. */
export function emptyQuery() {
  return { aggregator: 'sum', metric: '', rate: false, counter: false, downsample: '', jsonPath: '', filters: [] };
}

/** A blank tag filter. */
export function emptyFilter() {
  return { tagk: '', type: 'literal_or', filter: '', groupBy: true };
}

/** `key=value` for a literal without `*` (the daemon reads `web*` as iwildcard), else `key=type(value)`. */
function filterText(f) {
  return f.type === 'literal_or' && !f.filter.includes('*') ? `${f.tagk}=${f.filter}` : `${f.tagk}=${f.type}(${f.filter})`;
}

/** The `m=` expression of a metric query. */
export function formatQuery(q) {
  let out = `${q.aggregator || 'sum'}:`;
  if (q.jsonPath) out += `jsonpath=${q.jsonPath}:`;
  if (q.rate) out += q.counter ? 'rate{counter}:' : 'rate:';
  if (q.downsample) out += `${q.downsample}:`;
  out += q.metric;
  const filters = q.filters.filter((f) => f.tagk && f.filter);
  const grouped = filters.filter((f) => f.groupBy).map(filterText);
  const other = filters.filter((f) => !f.groupBy).map(filterText);
  if (grouped.length || other.length) out += `{${grouped.join(',')}}`;
  if (other.length) out += `{${other.join(',')}}`;
  return out;
}

/** Splits `text` on `sep` outside of () and {}. */
function splitTop(text, sep) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    // brackets too: a jsonpath key may hold the separator (`jsonpath=$['a:b']`)
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') depth = Math.max(0, depth - 1);
    else if (ch === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseFilters(body, groupBy) {
  const out = [];
  for (const item of splitTop(body, ',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const tagk = item.slice(0, eq);
    const value = item.slice(eq + 1);
    const typed = /^([a-z_]+)\((.*)\)$/s.exec(value);
    if (typed) out.push({ tagk, type: typed[1], filter: typed[2], groupBy });
    else out.push({ tagk, type: value.includes('*') ? 'iwildcard' : 'literal_or', filter: value, groupBy });
  }
  return out;
}

/** Parses an `m=` expression (lenient: unknown middle parts are dropped). */
export function parseQuery(expr) {
  const q = emptyQuery();
  const parts = splitTop(expr, ':');
  if (parts.length < 2) {
    q.metric = expr;
    return q;
  }
  q.aggregator = parts[0];
  for (const part of parts.slice(1, -1)) {
    if (part.startsWith('jsonpath=')) {
      q.jsonPath = part.slice('jsonpath='.length);
      continue;
    }
    const rate = /^rate(?:\{(.*)\})?$/.exec(part);
    if (rate) {
      q.rate = true;
      q.counter = /counter/.test(rate[1] || '');
    } else if (/^\d+[a-z]+c?-/.test(part) || /^0all-/.test(part)) q.downsample = part;
  }
  const last = parts[parts.length - 1];
  const brace = last.indexOf('{');
  q.metric = brace < 0 ? last : last.slice(0, brace);
  if (brace >= 0) {
    const groups = braceGroups(last.slice(brace));
    q.filters = [...parseFilters(groups[0] || '', true), ...parseFilters(groups[1] || '', false)];
  }
  return q;
}

/** The contents of the top-level `{…}` groups of `text`; parentheses may nest inside (`regexp(a(b|c))`). */
function braceGroups(text) {
  const groups = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === '{' && depth === 0 && start < 0) start = i + 1;
    else if (ch === '}' && depth === 0 && start >= 0) {
      groups.push(text.slice(start, i));
      start = -1;
    }
  }
  return groups;
}
