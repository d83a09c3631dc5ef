// The graph panel: numeric series as lines (uPlot), string/JSON series as vertical event
// markers with their own legend; drag across it to zoom into a time range. uPlot's legend shows the values under the cursor and
// writes labels with textContent, so series names stay text.
import uPlot from '/gui/vendor/uPlot.esm.js';
import { clear, h } from '/gui/lib/dom.js';
import { PALETTE } from '/gui/lib/format.js';
import { alignSeries } from './align.js';

const HEIGHT = 360;

export default function mount(root, gui) {
  const note = h('p', { class: 'gui-note', id: 'graph-note' });
  const box = h('div', { class: 'graph-box', id: 'graph-plot' });
  const events = h('ul', { class: 'graph-events', id: 'graph-events' });
  root.append(note, box, events);
  let plot;

  new ResizeObserver(() => plot && plot.setSize({ width: box.clientWidth, height: HEIGHT })).observe(box);

  gui.results.subscribe((result) => {
    note.classList.remove('warn');
    if (result.status === 'loading') return; // keep the old graph until the new one is here
    if (plot) plot.destroy();
    plot = undefined;
    clear(events);
    if (result.status === 'idle') return void (note.textContent = 'Pick a metric to draw a graph.');
    if (result.status === 'error') return void (note.textContent = `Error: ${result.error}${result.details && result.details !== result.error ? ` (${result.details})` : ''}`);
    if (result.total === 0) return void (note.textContent = 'No data in this time range.');
    note.textContent = result.truncated ? `Showing the first ${result.series.length} of ${result.total} series (the GUI's limit): narrow the tag filters or group less.` : '';
    if (result.truncated) note.classList.add('warn');
    draw(result.series);
  });

  function draw(series) {
    const numeric = series.filter((s) => s.kind === 'number');
    const discrete = series.filter((s) => s.kind === 'discrete');
    const colour = (i) => PALETTE[i % PALETTE.length];
    const data = alignSeries(numeric, discrete);
    const fewPoints = data[0].length < 60;
    const opts = {
      width: box.clientWidth || 800,
      height: HEIGHT,
      scales: { x: { time: true }, ...(numeric.length ? {} : { y: { range: [0, 1] } }) },
      series: [
        { label: 'Time' },
        ...numeric.map((s, i) => ({ label: s.label, stroke: colour(i), width: 1.5, spanGaps: true, points: { show: fewPoints } })),
      ],
      axes: [{}, { size: 60 }],
      // Times in UTC, like the table, the absolute From/To and /q images.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      // Dragging across the graph selects a time range: it becomes the view's range (and
      // URL), re-queried at that resolution, rather than uPlot's local zoom.
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: {
        draw: [(u) => drawEvents(u, discrete, (i) => colour(numeric.length + i))],
        setSelect: [(u) => zoomTo(u, gui)],
      },
    };
    plot = new uPlot(opts, data, box);
    discrete.forEach((s, i) => {
      events.append(h('li', null, h('span', { class: 'swatch', style: { background: colour(numeric.length + i) } }), `${s.label}: ${s.points.length} events (markers; values in the table)`));
    });
  }
}

/** Makes the dragged selection the view's absolute time range (epoch seconds). */
function zoomTo(u, gui) {
  const { left, width } = u.select;
  if (width < 3) return;
  const start = Math.floor(u.posToVal(left, 'x'));
  const end = Math.ceil(u.posToVal(left + width, 'x'));
  u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  if (end > start) gui.state.set({ ...gui.state.get(), start: String(start), end: String(end) });
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
