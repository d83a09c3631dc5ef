// The editor of one metric query: metric name (suggested), aggregator, downsample, rate
// and tag filters (keys and values suggested).
import { suggest } from '/gui/lib/api.js';
import { h } from '/gui/lib/dom.js';
import { emptyFilter } from '/gui/lib/query-expr.js';
import { suggestInput } from '/gui/lib/suggest-input.js';

/**
 * `q` is edited in place. `choices` = { aggregators, filterTypes }; `rerender()` redraws
 * the form after a structural change (a filter added or removed).
 */
export function metricEditor(q, index, choices, { rerender, remove }) {
  const metric = suggestInput({
    value: q.metric,
    placeholder: 'metric name',
    className: 'q-metric-name',
    load: (prefix) => suggest('metrics', prefix),
    onChange: (value) => (q.metric = value.trim()),
  });
  const aggregator = h('select', { class: 'q-agg', onchange: () => (q.aggregator = aggregator.value) },
    choices.aggregators.map((name) => h('option', { value: name, selected: name === q.aggregator }, name)));
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
    h('div', { class: 'q-filters' }, filters),
    h('button', { type: 'button', class: 'q-add-filter', onclick: () => {
      q.filters.push(emptyFilter());
      rerender();
    } }, '+ Tag filter'),
  );
}

function filterRow(q, f, choices, remove) {
  const tagk = suggestInput({ value: f.tagk, placeholder: 'tag key', className: 'q-tagk', load: (prefix) => suggest('tagk', prefix), onChange: (v) => (f.tagk = v.trim()) });
  const type = h('select', { class: 'q-ftype', title: 'Filter type', onchange: () => (f.type = type.value) },
    choices.filterTypes.map((name) => h('option', { value: name, selected: name === f.type }, name)));
  const tagv = suggestInput({ value: f.filter, placeholder: 'value, a|b, web*', className: 'q-tagv', load: (text) => suggest('tagv', text.replace(/^.*\|/, '')),
    // `web01|we` + pick `web02` → `web01|web02`: suggestions complete the last alternative
    complete: (text, name) => text.replace(/[^|]*$/, name),
    onChange: (v) => (f.filter = v.trim()),
  });
  const groupBy = h('input', { type: 'checkbox', class: 'q-groupby', checked: f.groupBy, onchange: () => (f.groupBy = groupBy.checked) });
  return h('div', { class: 'q-filter q-row' }, tagk, type, tagv, h('label', { title: 'One line per value' }, groupBy, ' group'), h('button', { type: 'button', class: 'q-remove-filter', title: 'Remove filter', onclick: remove }, '×'));
}
