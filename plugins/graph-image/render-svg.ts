/**
 * Draws a graph as SVG: plot frame, time and value ticks with labels, optional title
 * and y label, one polyline per numeric series, dashed markers for string/JSON events,
 * and a legend. Every piece of data is XML-escaped text.
 */
import type { GraphParams } from './params';
import { formatNumber, niceRange, numberTicks, timeTicks } from './ticks';

export interface PlotSeries {
  label: string;
  /** numeric series: `[ms, value|null]` (null breaks the line); discrete: event times */
  points: Array<[number, number | null]>;
  discrete: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const FONT = "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\"";
const LEGEND_ROW = 16;
/** More legend lines than this are summed up as "… and N more". */
const MAX_LEGEND = 12;

const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => XML[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function renderSvg(params: GraphParams, series: PlotSeries[], startMs: number, endMs: number): string {
  const { width, height } = params;
  const legendLines = params.key.show ? Math.min(series.length, MAX_LEGEND) + (series.length > MAX_LEGEND ? 1 : 0) : 0;
  const below = params.key.outside ? legendLines * LEGEND_ROW + 8 : 0;
  const plot = {
    left: params.ylabel ? 80 : 64,
    top: params.title ? 34 : 14,
    right: width - 20,
    bottom: height - 40 - below,
  };
  if (plot.bottom - plot.top < 40) plot.bottom = Math.min(height - 30, plot.top + 40);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  if (params.title) out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${escapeXml(params.title)}</text>`);

  // y scale from the data (or yrange), in log10 when `ylog`
  const transform = params.ylog ? (v: number) => (v > 0 ? Math.log10(v) : NaN) : (v: number) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.discrete) continue;
    for (const [, v] of s.points) {
      const y = v === null ? NaN : transform(v);
      if (Number.isFinite(y)) {
        if (y < lo) lo = y;
        if (y > hi) hi = y;
      }
    }
  }
  if (lo === Infinity) [lo, hi] = [0, 1];
  const yTickCount = Math.max(2, Math.floor((plot.bottom - plot.top) / 45));
  let range = params.ylog ? { min: Math.floor(lo), max: Math.max(Math.ceil(hi), Math.floor(lo) + 1) } : niceRange(lo, hi, yTickCount);
  if (params.yrange.min !== undefined) range = { ...range, min: transform(params.yrange.min) };
  if (params.yrange.max !== undefined) range = { ...range, max: transform(params.yrange.max) };
  if (!(range.max > range.min)) range = { min: range.min, max: range.min + 1 };
  const xOf = (ms: number) => plot.left + ((ms - startMs) / Math.max(1, endMs - startMs)) * (plot.right - plot.left);
  const yOf = (v: number) => plot.bottom - ((v - range.min) / (range.max - range.min)) * (plot.bottom - plot.top);

  // grid and ticks
  const yTicks = params.ylog ? decades(range.min, range.max) : numberTicks(range.min, range.max, yTickCount);
  for (const t of yTicks) {
    const y = yOf(t).toFixed(1);
    out.push(`<line x1="${plot.left}" y1="${y}" x2="${plot.right}" y2="${y}" stroke="#e4e7ec"/>`);
    out.push(`<text x="${plot.left - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" ${FONT}>${escapeXml(formatNumber(params.ylog ? 10 ** t : t))}</text>`);
  }
  const time = timeTicks(startMs, endMs, Math.max(2, Math.floor((plot.right - plot.left) / 90)), params.tz);
  for (const t of time.ticks) {
    const x = xOf(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${plot.top}" x2="${x}" y2="${plot.bottom}" stroke="#e4e7ec"/>`);
    out.push(`<line x1="${x}" y1="${plot.bottom}" x2="${x}" y2="${plot.bottom + 5}" stroke="#344054"/>`);
    out.push(`<text x="${x}" y="${plot.bottom + 18}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(time.label(t))}</text>`);
  }
  out.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#344054"/>`);
  if (params.ylabel) {
    const cy = (plot.top + plot.bottom) / 2;
    out.push(`<text x="16" y="${cy}" transform="rotate(-90 16 ${cy})" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(params.ylabel)}</text>`);
  }

  // the series, clipped to the plot area
  out.push(`<clipPath id="plot"><rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/></clipPath><g clip-path="url(#plot)">`);
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    if (s.discrete) {
      for (const [t] of s.points) out.push(`<line x1="${xOf(t).toFixed(1)}" y1="${plot.top}" x2="${xOf(t).toFixed(1)}" y2="${plot.bottom}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="4 3"/>`);
      return;
    }
    for (const segment of segments(thin(s.points, plot.right - plot.left, xOf), transform)) {
      const d = segment.map(([t, v], j) => `${j ? 'L' : 'M'}${xOf(t).toFixed(1)} ${yOf(v).toFixed(1)}`).join('');
      if (segment.length === 1) out.push(`<circle cx="${xOf(segment[0]![0]).toFixed(1)}" cy="${yOf(segment[0]![1]).toFixed(1)}" r="2" fill="${colour}"/>`);
      else out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-linejoin="round"/>`);
    }
  });
  out.push('</g>');
  // An image without a single point says so, rather than an empty frame.
  if (!series.some((s) => s.points.length > 0)) {
    out.push(`<text x="${(plot.left + plot.right) / 2}" y="${(plot.top + plot.bottom) / 2}" dy="6" text-anchor="middle" font-size="16" fill="#667085" ${FONT}>No data in this time range</text>`);
  }
  if (legendLines) out.push(legend(params, series, plot, legendLines));
  out.push('</svg>');
  return out.join('');
}

/** Legend: inside the plot at the `key` corner, or below it with `key=out`. */
function legend(params: GraphParams, series: PlotSeries[], plot: { left: number; top: number; right: number; bottom: number }, lines: number): string {
  const labels = series.slice(0, MAX_LEGEND).map((s) => (s.discrete ? `${s.label} (events)` : s.label));
  if (series.length > MAX_LEGEND) labels.push(`… and ${series.length - MAX_LEGEND} more series`);
  const textWidth = Math.min(plot.right - plot.left - 30, Math.max(...labels.map((l) => l.length)) * 6.6 + 30);
  const boxHeight = lines * LEGEND_ROW + 6;
  let x: number;
  let y: number;
  if (params.key.outside) {
    x = plot.left;
    y = plot.bottom + 30;
  } else {
    x = params.key.horizontal === 'left' ? plot.left + 8 : plot.right - 8 - textWidth;
    y = params.key.vertical === 'bottom' ? plot.bottom - 8 - boxHeight : plot.top + 8;
  }
  const out = [`<g class="legend">`];
  if (params.key.box || !params.key.outside) out.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${textWidth.toFixed(1)}" height="${boxHeight}" fill="#ffffff" fill-opacity="0.85" stroke="${params.key.box ? '#344054' : 'none'}"/>`);
  labels.forEach((label, i) => {
    const ly = y + 4 + i * LEGEND_ROW + LEGEND_ROW / 2;
    if (i < MAX_LEGEND) out.push(`<line x1="${x + 6}" y1="${ly}" x2="${x + 24}" y2="${ly}" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2.5"${series[i]!.discrete ? ' stroke-dasharray="4 3"' : ''}/>`);
    out.push(`<text x="${x + 28}" y="${ly}" dy="4" font-size="11" ${FONT}>${escapeXml(label)}</text>`);
  });
  out.push('</g>');
  return out.join('');
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let d = Math.ceil(min); d <= Math.floor(max); d++) out.push(d);
  return out;
}

/** Runs of drawable points (after the y transform); a null, NaN or non-positive log value ends a run. */
function segments(points: Array<[number, number | null]>, transform: (v: number) => number): Array<Array<[number, number]>> {
  const runs: Array<Array<[number, number]>> = [];
  let run: Array<[number, number]> = [];
  for (const [t, v] of points) {
    const y = v === null ? NaN : transform(v);
    if (Number.isFinite(y)) run.push([t, y]);
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

/**
 * Keeps, per pixel column, the first, min, max and last point: the drawn line looks the
 * same, but a million points do not become a million path commands.
 */
function thin(points: Array<[number, number | null]>, pixels: number, xOf: (ms: number) => number): Array<[number, number | null]> {
  if (points.length <= pixels * 4) return points;
  const out: Array<[number, number | null]> = [];
  let column = NaN;
  let bucket: Array<[number, number | null]> = [];
  const flush = () => {
    if (!bucket.length) return;
    const numbers = bucket.filter((p) => p[1] !== null) as Array<[number, number]>;
    if (numbers.length === 0) return void out.push(bucket[0]!);
    let min = numbers[0]!;
    let max = numbers[0]!;
    for (const p of numbers) {
      if (p[1] < min[1]) min = p;
      if (p[1] > max[1]) max = p;
    }
    const keep = new Set([numbers[0]!, min, max, numbers[numbers.length - 1]!]);
    out.push(...[...keep].sort((a, b) => a[0] - b[0]));
  };
  for (const p of points) {
    const c = Math.floor(xOf(p[0]));
    if (c !== column) {
      flush();
      bucket = [];
      column = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
}
