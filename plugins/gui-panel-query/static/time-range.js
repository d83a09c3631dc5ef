// The time range editor: start/end as OpenTSDB time expressions (relative `1h-ago` or
// absolute `2026/11/25-10:00:00`), quick ranges, a date-time picker, and auto-refresh.
import { h } from '/gui/lib/dom.js';
import { parseAbsoluteTime, toOpenTsdbTime } from '/gui/lib/format.js';

const QUICK = ['15m', '1h', '6h', '1d', '7d', '30d'];
const REFRESH = [[0, 'Off'], [10, '10 s'], [30, '30 s'], [60, '1 min'], [300, '5 min']];

/** `draft` is edited in place; `apply()` commits it. */
export function timeRange(draft, apply) {
  const start = h('input', { type: 'text', id: 'q-start', value: draft.start, size: 18, oninput: () => (draft.start = start.value.trim()) });
  const end = h('input', { type: 'text', id: 'q-end', value: draft.end, size: 18, placeholder: 'now', oninput: () => (draft.end = end.value.trim()) });
  const picker = (input, key, id) =>
    h('input', {
      type: 'datetime-local',
      id,
      step: 1,
      // an absolute From/To (typed, or set by a drag-zoom) shows in the picker too
      value: localInputValue(parseAbsoluteTime(draft[key])),
      title: 'Pick a date and time (your local time; sent as UTC)',
      onchange: (event) => {
        const date = new Date(event.target.value);
        if (Number.isNaN(date.getTime())) return;
        draft[key] = toOpenTsdbTime(date);
        input.value = draft[key];
      },
    });
  const quick = QUICK.map((span) =>
    h('button', { type: 'button', class: 'q-quick', dataset: { range: span }, onclick: () => {
      draft.start = `${span}-ago`;
      draft.end = '';
      apply();
    } }, span),
  );
  const refresh = h('select', { id: 'q-refresh', onchange: () => {
    draft.refresh = Number(refresh.value);
    apply();
  } }, refreshChoices(draft.refresh).map(([seconds, label]) => h('option', { value: String(seconds), selected: draft.refresh === seconds }, label)));
  return h('fieldset', { class: 'q-time' },
    h('legend', null, 'Time range'),
    h('div', { class: 'q-row' }, h('label', null, 'From ', start), ' ', picker(start, 'start', 'q-start-pick')),
    h('div', { class: 'q-row' }, h('label', null, 'To ', end), ' ', picker(end, 'end', 'q-end-pick')),
    h('div', { class: 'q-row' }, 'Last: ', quick),
    h('div', { class: 'q-row' }, h('label', null, 'Auto-refresh ', refresh)),
  );
}

/** A Date as a datetime-local input's value (local time), '' for none. */
function localInputValue(date) {
  if (!date) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/** The menu's periods, plus the current one when a URL set another. */
function refreshChoices(current) {
  if (REFRESH.some(([seconds]) => seconds === current)) return REFRESH;
  return [...REFRESH, [current, `${current} s`]].sort((a, b) => a[0] - b[0]);
}
