// The query panel: edits a draft of the GUI state and commits it (URL + query run) on
// "Update graph", Enter, a quick range or an auto-refresh change.
import { apiGet } from '/gui/lib/api.js';
import { append, clear, h } from '/gui/lib/dom.js';
import { emptyQuery } from '/gui/lib/query-expr.js';
import { metricEditor } from './metric-editor.js';
import { timeRange } from './time-range.js';

const FALLBACK_FILTERS = ['literal_or', 'iliteral_or', 'not_literal_or', 'not_iliteral_or', 'wildcard', 'iwildcard', 'regexp'];

export default async function mount(root, gui) {
  const [aggregators, filterTypes] = await Promise.all([
    apiGet('/api/aggregators').catch(() => ['sum', 'avg', 'min', 'max', 'count', 'none']),
    apiGet('/api/config/filters').then(Object.keys, () => FALLBACK_FILTERS),
  ]);
  const choices = { aggregators: [...aggregators].sort(), filterTypes };
  let draft = gui.state.get();
  if (draft.queries.length === 0) draft.queries.push(emptyQuery());

  const apply = () => gui.state.set(draft);
  const form = h('form', { class: 'q-form', onsubmit: (event) => {
    event.preventDefault();
    apply();
  } });
  root.append(form);

  function render() {
    clear(form);
    append(form, [
      timeRange(draft, apply),
      draft.queries.map((q, i) => metricEditor(q, i, choices, { rerender: render, remove: () => {
        draft.queries.splice(i, 1);
        if (draft.queries.length === 0) draft.queries.push(emptyQuery());
        render();
      } })),
      h('div', { class: 'q-row q-actions' },
        h('button', { type: 'button', id: 'q-add-metric', onclick: () => {
          draft.queries.push(emptyQuery());
          render();
        } }, '+ Metric'),
        ' ',
        h('button', { type: 'submit', id: 'q-apply', class: 'primary' }, 'Update graph'),
      ),
    ]);
  }
  // Back/forward or another panel changed the view: show it.
  gui.state.subscribe((state) => {
    draft = structuredClone(state);
    if (draft.queries.length === 0) draft.queries.push(emptyQuery());
    render();
  });
  render();
}
