// The graph panel: numeric series as lines (uPlot), string/JSON series as vertical event
// markers with their own legend; drag across it to zoom into a time range. uPlot's legend
// shows the values under the cursor and writes labels with textContent, so series names
// stay text.
import uPlot from '/gui/vendor/uPlot.esm.js';
import { clear, h } from '/gui/lib/dom.js';
import { formatValue, PALETTE, toOpenTsdbTime } from '/gui/lib/format.js';
import { writeState } from '/gui/lib/state.js';
import { alignSeries } from './align.js';

const HEIGHT = 360;
/** On a narrow screen (a phone) the graph is shorter, never squashed to nothing. */
const heightFor = (width) => (width < 600 ? 260 : HEIGHT);
/**
 * uPlot's time tick formats, in 24-hour time: [tick step (s), format, then the format
 * used where the year / month / day / hour / minute / second changes, mode].
 */
const TIME_TICKS = [
  [3600 * 24 * 365, '{YYYY}', null, null, null, null, null, null, 1],
  [3600 * 24 * 28, '{MMM}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600 * 24, '{MM}-{DD}', '\n{YYYY}', null, null, null, null, null, 1],
  [3600, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [60, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
  [1, ':{ss}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
  [0.001, ':{ss}.{fff}', '\n{YYYY}-{MM}-{DD} {HH}:{mm}', null, '\n{MM}-{DD} {HH}:{mm}', null, '\n{HH}:{mm}', null, 1],
];

export default function mount(root, gui) {
  const note = h('p', { class: 'gui-note', id: 'graph-note' });
  const box = h('div', { class: 'graph-box', id: 'graph-plot' });
  const events = h('ul', { class: 'graph-events', id: 'graph-events' });
  // The same graph as a server-rendered image (/q), to embed elsewhere.
  const image = h('a', { id: 'graph-png', class: 'graph-png', target: '_blank', rel: 'noopener', hidden: true }, 'PNG image of this graph');
  root.append(note, box, events, image);
  let plot;
  let showEventsAt = () => {}; // set per drawing: the event series' values at the cursor

  new ResizeObserver(() => plot && plot.setSize({ width: box.clientWidth, height: heightFor(box.clientWidth) })).observe(box);

  gui.results.subscribe((result) => {
    note.classList.remove('warn');
    if (result.status === 'loading') return; // keep the old graph until the new one is here
    if (plot) plot.destroy();
    plot = undefined;
    clear(events);
    image.hidden = true;
    if (result.status === 'idle') return void (note.textContent = 'Pick a metric to draw a graph.');
    // OpenTSDB 2.4.1 answers a literal_or value no series has with 400 "No such name": hint there too
    if (result.status === 'error') return void (note.textContent = `Error: ${result.error}${result.details && result.details !== result.error ? ` (${result.details})` : ''}${literalStarHint(result.state)}`);
    if (result.total === 0) return void (note.textContent = `No data in this time range.${literalStarHint(result.state)}`);
    image.href = pngUrl(result.state);
    image.hidden = false;
    note.textContent = result.truncated ? `Showing the first ${result.series.length} of ${result.total} series (the GUI's limit): narrow the tag filters or group less.` : '';
    if (result.truncated) note.classList.add('warn');
    draw(result.series);
  });

  function draw(series) {
    const numeric = series.filter((s) => s.kind === 'number');
    const discrete = series.filter((s) => s.kind === 'discrete');
    const colour = (i) => PALETTE[i % PALETTE.length];
    // With numbers, the x values are the numbers' times only, so the cursor snaps to a
    // numeric point and the legend shows its values; events are drawn at their own times
    // (the x range stretches to include them).
    const data = numeric.length ? alignSeries(numeric, []) : alignSeries([], discrete);
    let eventsMin = Infinity;
    let eventsMax = -Infinity;
    for (const s of discrete) {
      if (!s.points.length) continue;
      eventsMin = Math.min(eventsMin, s.points[0][0]);
      eventsMax = Math.max(eventsMax, s.points[s.points.length - 1][0]);
    }
    const fewPoints = data[0].length < 60;
    const width = box.clientWidth || 800;
    const opts = {
      width,
      height: heightFor(width),
      scales: {
        x: { time: true, range: (_u, min, max) => widen(Math.min(min, eventsMin), Math.max(max, eventsMax)) },
        ...(numeric.length ? {} : { y: { range: [0, 1] } }),
      },
      series: [
        { label: 'Time (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
        ...numeric.map((s, i) => ({ label: s.label, stroke: colour(i), width: 1.5, spanGaps: true, points: { show: fewPoints } })),
      ],
      axes: [{ values: TIME_TICKS }, { size: 60 }],
      // Times in UTC, like the table, the absolute From/To and /q images.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      // Dragging across the graph selects a time range: it becomes the view's range (and
      // URL), re-queried at that resolution, rather than uPlot's local zoom.
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        draw: [(u) => drawEvents(u, discrete, (i) => colour(numeric.length + i))],
        setSelect: [(u) => zoomTo(u, gui)],
        // the events' values at the cursor's time (not only at numeric points)
        setCursor: [(u) => showEventsAt(u.cursor.left == null || u.cursor.left < 0 ? undefined : u.posToVal(u.cursor.left, 'x'))],
      },
    };
    const atCursor = discrete.map(() => h('span', { class: 'event-at-cursor' }));
    discrete.forEach((s, i) => {
      events.append(h('li', null, h('span', { class: 'swatch', style: { background: colour(numeric.length + i) } }), `${s.label}: ${s.points.length} events (markers; values in the table)`, atCursor[i]));
    });
    // Like the legend's values: each event series' latest value at the cursor's time.
    showEventsAt = (t) => discrete.forEach((s, i) => {
      const point = t === undefined ? undefined : latestAt(s.points, t);
      atCursor[i].textContent = point ? ` — at cursor: ${formatValue(point[1])}` : '';
    });
    plot = new uPlot(opts, data, box);
  }
}

/** `/q` for a view: same start, end and queries, as a PNG. */
function pngUrl(state) {
  const params = new URLSearchParams(writeState({ ...state, refresh: 0 }));
  return `/q?${params}&wxh=1000x400&png`;
}

/** The last point at or before `t` (points sorted by time), by binary search. */
function latestAt(points, t) {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? points[lo - 1] : undefined;
}

/** An x range that is never empty (one point, or one event, still gets a span). */
function widen(min, max) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [min, max];
  return max > min ? [min, max] : [min - 30, max + 30];
}

/**
 * Makes the dragged selection the view's absolute time range, as dates
 * (`2026/11/25-10:00:00`, UTC, like the date pickers), not epoch numbers.
 */
function zoomTo(u, gui) {
  const { left, width } = u.select;
  if (width < 3) return;
  const start = Math.floor(u.posToVal(left, 'x'));
  const end = Math.ceil(u.posToVal(left + width, 'x'));
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  if (end > start) gui.state.set({ ...gui.state.get(), start: toOpenTsdbTime(new Date(start * 1000)), end: toOpenTsdbTime(new Date(end * 1000)) });
}

/** A literal filter with `*` matches that text only: say so when it found nothing (or named no tag value). */
function literalStarHint(state) {
  const literal = (state?.queries || []).some((q) => q.filters.some((f) => /literal_or$/.test(f.type) && f.filter.includes('*')));
  return literal ? ' A literal_or filter matches * as a character; for a pattern choose wildcard or iwildcard.' : '';
}

/** A dashed vertical line at each event of the discrete series, in the series' colour. */
function drawEvents(u, discrete, colour) {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.setLineDash([4, 3]);
  ctx.lineWidth = 1.5 * devicePixelRatio;
  discrete.forEach((s, i) => {
    ctx.strokeStyle = colour(i);
    ctx.fillStyle = colour(i);
    for (const [t] of s.points) {
      const x = Math.round(u.valToPos(t, 'x', true));
      if (x < bbox.left || x > bbox.left + bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.fillRect(x - 3 * devicePixelRatio, bbox.top, 6 * devicePixelRatio, 6 * devicePixelRatio);
    }
  });
  ctx.restore();
}
