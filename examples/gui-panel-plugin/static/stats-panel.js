// A GUI panel module: `export default function mount(element, gui)`. It listens to the
// query results the GUI runs and renders min / max / mean of each numeric series.
// It builds its DOM with the GUI's `h()` helper, which only ever writes text.
import { clear, h } from '/gui/lib/dom.js';

function stats(points) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (const [, v] of points) {
    if (typeof v !== 'number') continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    count++;
  }
  return count ? { min, max, mean: sum / count, count } : undefined;
}

const fmt = (n) => String(Number(n.toPrecision(6)));

export default function mount(element, gui) {
  const body = h('div', { class: 'stats-body' });
  element.append(body);
  gui.results.subscribe((result) => {
    if (result.status === 'loading') return;
    clear(body);
    const rows = result.series.filter((s) => s.kind === 'number').map((s) => ({ label: s.label, ...stats(s.points) })).filter((r) => r.count);
    if (rows.length === 0) return void body.append(h('p', { class: 'gui-note' }, 'No numeric series.'));
    body.append(h('table', { class: 'gui-table' },
      h('thead', null, h('tr', null, ['Series', 'Min', 'Max', 'Mean', 'Points'].map((t) => h('th', null, t)))),
      h('tbody', null, rows.map((r) => h('tr', null, h('td', null, r.label), h('td', { class: 'num' }, fmt(r.min)), h('td', { class: 'num' }, fmt(r.max)), h('td', { class: 'num' }, fmt(r.mean)), h('td', { class: 'num' }, r.count)))),
    ));
  });
}
