// The editor of one metric query: metric name (suggested), aggregator, downsample, rate,
// JSON path and tag filters (keys and values suggested).
import { apiGet, suggest } from '/gui/lib/api.js';
import { h } from '/gui/lib/dom.js';
import { emptyFilter } from '/gui/lib/query-expr.js';
import { suggestInput } from '/gui/lib/suggest-input.js';

/**
 * `q` is edited in place. `choices` = { aggregators, filterTypes }; `rerender()` redraws
 * the form after a structural change (a filter added or removed).
 */
export function metricEditor(q, index, choices, { rerender, remove }) {
  // Until the user picks an aggregator, it follows the metric's kind: `sum` for numbers,
  // one that works on strings and JSON (`last`, …) for those — `sum` only errors there.
  let aggregatorChosen = q.aggregator !== 'sum' || Boolean(q.metric);
  const metric = suggestInput({
    value: q.metric,
    placeholder: 'metric name',
    className: 'q-metric-name',
    load: (prefix) => suggest('metrics', prefix),
    onChange: (value) => {
      q.metric = value.trim();
      if (!aggregatorChosen && q.metric) void defaultAggregator(q, choices.aggregators, aggregator);
    },
  });
  const aggregator = h('select', { class: 'q-agg', onchange: () => {
    q.aggregator = aggregator.value;
    aggregatorChosen = true;
  } },
    choices.aggregators.map((name) => h('option', { value: name, selected: name === q.aggregator }, name)));
  const jsonPath = h('input', { type: 'text', class: 'q-jsonpath', value: q.jsonPath || '', placeholder: 'e.g. $.cpu.user', size: 12,
    title: 'JSON values: graph the number at this path (jsonpath= in the URL; docs/query.md)', oninput: () => (q.jsonPath = jsonPath.value.trim()) });
  const downsample = h('input', { type: 'text', class: 'q-downsample', value: q.downsample, placeholder: 'e.g. 1m-avg', size: 10, oninput: () => (q.downsample = downsample.value.trim()) });
  const rate = h('input', { type: 'checkbox', class: 'q-rate', checked: q.rate, onchange: () => (q.rate = rate.checked) });
  const counter = h('input', { type: 'checkbox', class: 'q-counter', checked: q.counter, onchange: () => (q.counter = counter.checked) });

  const filters = q.filters.map((f, i) => filterRow(q, f, choices, () => {
    q.filters.splice(i, 1);
    rerender();
  }));
  return h('fieldset', { class: 'q-metric', dataset: { index: String(index) } },
    h('legend', null, `Metric ${index + 1}`),
    h('div', { class: 'q-row' }, metric, ' ', h('button', { type: 'button', class: 'q-remove-metric', title: 'Remove this metric', onclick: remove }, '×')),
    h('div', { class: 'q-row' }, h('label', null, 'Aggregator ', aggregator), ' ', h('label', null, 'Downsample ', downsample)),
    h('div', { class: 'q-row' }, h('label', null, rate, ' Rate'), ' ', h('label', null, counter, ' Counter')),
    h('div', { class: 'q-row' }, h('label', null, 'JSON path ', jsonPath)),
    h('div', { class: 'q-filters' }, filters),
    h('button', { type: 'button', class: 'q-add-filter', onclick: () => {
      q.filters.push(emptyFilter());
      rerender();
    } }, '+ Tag filter'),
  );
}

function filterRow(q, f, choices, remove) {
  // Until a type is chosen, a value with `*` switches the shown type to iwildcard (and
  // back): the form always shows the filter that runs, in the GUI, its URL and /q alike.
  let typeChosen = f.type !== 'literal_or' || f.filter.includes('*');
  const followValue = () => {
    if (typeChosen) return;
    const wanted = f.filter.includes('*') && choices.filterTypes.includes('iwildcard') ? 'iwildcard' : 'literal_or';
    if (f.type !== wanted) type.value = f.type = wanted;
  };
  const tagk = suggestInput({ value: f.tagk, placeholder: 'tag key', className: 'q-tagk', load: (prefix) => suggest('tagk', prefix), onChange: (v) => (f.tagk = v.trim()) });
  const type = h('select', { class: 'q-ftype', title: 'Filter type', onchange: () => {
    f.type = type.value;
    typeChosen = true;
  } },
    choices.filterTypes.map((name) => h('option', { value: name, selected: name === f.type }, name)));
  const tagv = suggestInput({ value: f.filter, placeholder: 'value, a|b, web*', className: 'q-tagv', load: (text) => suggest('tagv', text.replace(/^.*\|/, '')),
    // `web01|we` + pick `web02` → `web01|web02`: suggestions complete the last alternative
    complete: (text, name) => text.replace(/[^|]*$/, name),
    onChange: (v) => {
      f.filter = v.trim();
      followValue();
    },
  });
  const groupBy = h('input', { type: 'checkbox', class: 'q-groupby', checked: f.groupBy, onchange: () => (f.groupBy = groupBy.checked) });
  return h('div', { class: 'q-filter q-row' }, tagk, type, tagv, h('label', { title: 'One line per value' }, groupBy, ' group'), h('button', { type: 'button', class: 'q-remove-filter', title: 'Remove filter', onclick: remove }, '×'));
}

/** Aggregators that work on strings and JSON values, best first (docs/query.md). */
const DISCRETE_AGGREGATORS = ['last', 'none', 'mode', 'first', 'count', 'distinct'];

/**
 * Sets the default aggregator for the metric's kind: the latest values of a few of its
 * series (/api/suggest to see that the name exists, /api/search/lookup, then
 * /api/query/last: bounded however many series there are); a value that is not a number
 * (a string, a JSON object) means a discrete metric.
 */
async function defaultAggregator(q, aggregators, select) {
  const metric = q.metric;
  let latest;
  try {
    // only a name that exists: /api/search/lookup answers an unknown one 404 (as OpenTSDB),
    // and the name is asked for at every keystroke; suggest's first name with the prefix tells
    const [first] = await suggest('metrics', metric, 1);
    if (first !== metric || q.metric !== metric) return;
    const found = await apiGet(`/api/search/lookup?m=${encodeURIComponent(metric)}&limit=5`);
    const tsuids = (found.results || []).map((r) => r.tsuid);
    if (tsuids.length === 0) return;
    latest = await apiGet(`/api/query/last?tsuids=${encodeURIComponent(tsuids.join(','))}&back_scan=0`);
  } catch {
    return;
  }
  if (q.metric !== metric || !Array.isArray(latest) || latest.length === 0) return;
  const discrete = latest.some((p) => typeof p.value === 'string' && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^NaN$/.test(p.value));
  const wanted = discrete ? DISCRETE_AGGREGATORS.find((name) => aggregators.includes(name)) : 'sum';
  if (!wanted || wanted === q.aggregator) return;
  q.aggregator = wanted;
  select.value = wanted;
}
