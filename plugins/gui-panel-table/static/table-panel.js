// The table panel: one row per series (points, last time, last value) and the latest
// events of string/JSON series. Every cell is text.
import { clear, h } from '/gui/lib/dom.js';
import { formatTime, formatValue } from '/gui/lib/format.js';

const MAX_EVENTS = 200;

export default function mount(root, gui) {
  const note = h('p', { class: 'gui-note' });
  const series = h('div', { id: 'table-series' });
  const events = h('div', { id: 'table-events' });
  root.append(note, series, events);

  gui.results.subscribe((result) => {
    if (result.status === 'loading') return;
    clear(series);
    clear(events);
    note.textContent = result.status === 'ok' && result.truncated ? `The first ${result.series.length} of ${result.total} series.` : '';
    if (result.status !== 'ok' || result.series.length === 0) return;
    series.append(h('div', { class: 'table-scroll' }, seriesTable(result.series)));
    const discrete = result.series.filter((s) => s.kind === 'discrete');
    if (discrete.length) events.append(h('h3', null, 'Latest events'), h('div', { class: 'table-scroll' }, eventTable(discrete)));
  });
}

function seriesTable(list) {
  return h('table', { class: 'gui-table' },
    h('thead', null, h('tr', null, h('th', null, 'Series'), h('th', null, 'Kind'), h('th', null, 'Points'), h('th', null, 'Last time (UTC)'), h('th', null, 'Last value'))),
    h('tbody', null, list.map((s) => {
      const last = s.points[s.points.length - 1];
      return h('tr', null,
        h('td', { class: 'series-label' }, s.label),
        h('td', null, s.kind === 'number' ? 'number' : 'string/JSON'),
        h('td', { class: 'num' }, s.points.length),
        h('td', null, last ? formatTime(last[0]) : ''),
        // last[2]: the exact digits of an integer beyond 2^53
        h('td', { class: s.kind === 'number' ? 'num last-value' : 'last-value' }, last ? (last[2] ?? formatValue(last[1])) : ''));
    })),
  );
}

function eventTable(discrete) {
  const all = discrete.flatMap((s) => s.points.map(([t, v]) => ({ t, v, label: s.label })));
  all.sort((a, b) => b.t - a.t);
  return h('table', { class: 'gui-table events' },
    h('thead', null, h('tr', null, h('th', null, 'Time (UTC)'), h('th', null, 'Series'), h('th', null, 'Value'))),
    h('tbody', null, all.slice(0, MAX_EVENTS).map((e) => h('tr', null, h('td', null, formatTime(e.t)), h('td', null, e.label), h('td', { class: 'event-value' }, formatValue(e.v))))),
  );
}
