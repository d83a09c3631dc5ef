/**
 * The histogram plugin's side of histogram sub-queries (the query plugin's `histograms`
 * hook) and of every other sub-query (its `series` hook: histogram points are left out, as
 * OpenTSDB keeps histogram cells apart from numeric ones).
 */
import { ValueKind, type SeriesData, type SeriesPoints } from '../../core';
import { downsampleHistograms, fromStoredJson, javaFloatString, mergeSeries, percentile, type HistogramPoints } from '../../lib/histogram';
import type { HistogramRequest, HistogramSeries } from '../../lib/query';

const MARK = '{"histogram":{';
const JSON_KIND: number = ValueKind.Json;

/** Whether a stored JSON text is a histogram (the stored form begins so). */
export function isHistogramText(text: string | undefined): boolean {
  return text !== undefined && text.startsWith(MARK);
}

/** The histograms of one series, in timestamp order. */
function histogramsOf(points: SeriesPoints): HistogramPoints {
  const out: HistogramPoints = { timestamps: [], histograms: [] };
  for (let i = 0; i < points.length; i++) {
    if (points.kinds[i] !== JSON_KIND || !isHistogramText(points.texts[i])) continue;
    const h = fromStoredJson(points.texts[i]!.slice(MARK.length - 1, -1));
    if (!h) continue;
    out.timestamps.push(points.timestamps[i]!);
    out.histograms.push(h);
  }
  return out;
}

/** The `series` tap: the same data when it holds no histogram, else a copy without them. */
export function withoutHistograms(data: SeriesData): SeriesData {
  const p = data.points;
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.kinds[i] === JSON_KIND && isHistogramText(p.texts[i])) n++;
  if (n === 0) return data;
  const keep = p.length - n;
  const out: SeriesPoints = { length: keep, timestamps: new Float64Array(keep), kinds: new Uint8Array(keep), floats: new Float64Array(keep), ints: new BigInt64Array(keep), texts: new Array(keep) };
  let j = 0;
  for (let i = 0; i < p.length; i++) {
    if (p.kinds[i] === JSON_KIND && isHistogramText(p.texts[i])) continue;
    out.timestamps[j] = p.timestamps[i]!;
    out.kinds[j] = p.kinds[i]!;
    out.floats[j] = p.floats[i]!;
    out.ints[j] = p.ints[i]!;
    out.texts[j] = p.texts[i];
    j++;
  }
  return { series: data.series, points: out };
}

/**
 * The `histograms` tap: per group, each series downsampled (sum), the group merged, then one
 * series per percentile (`<metric>_pct_<p>`, p as Java's Float.toString) and, with
 * showBuckets, one per bucket of the group's first histogram (`<metric>_UNDERFLOW`,
 * `<metric>_<lo>_<hi>`, `<metric>_OVERFLOW`; TsdbQuery.generateHistogramBucketDataPoints).
 */
export async function answerHistograms(request: HistogramRequest): Promise<HistogramSeries[]> {
  const out: HistogramSeries[] = [];
  const { downsample } = request;
  for (let g = 0; g < request.groups.length; g++) {
    if (request.slice.due()) await request.slice.pause();
    const members = request.groups[g]!.members;
    // the group's spans: series with histogram points (a HistogramSpan holds nothing else),
    // kept when the first of them is not past spanEnd (HistogramSpanGroup.add)
    const kept: number[] = [];
    const histograms: HistogramPoints[] = [];
    let spans = 0;
    for (let i = 0; i < members.length; i++) {
      const h = histogramsOf(members[i]!.points);
      if (h.timestamps.length === 0) continue;
      spans++;
      if (h.timestamps[0]! > request.spanEnd) continue;
      kept.push(i);
      histograms.push(h);
    }
    if (spans === 0) continue;
    if (kept.length === 0) {
      // a HistogramSpanGroup without spans: its metric name is "" and it has no points, yet
      // generateHistogramPercentileDataPoints makes each percentile (the buckets come from a first histogram: none)
      for (const p of request.percentiles) out.push({ group: g, metric: `_pct_${javaFloatString(p)}`, timestamps: [], values: [], integer: false, members: [] });
      continue;
    }
    const metric = members[kept[0]!]!.series.metric;
    const series = histograms.map((h) => (downsample ? downsampleHistograms(h, downsample.floor, downsample.all, request.start, request.end) : h));
    const merged = mergeSeries(series);
    if (merged.timestamps.length === 0) continue;
    for (const p of request.percentiles) {
      out.push({ group: g, metric: `${metric}_pct_${javaFloatString(p)}`, timestamps: merged.timestamps, values: merged.histograms.map((h) => percentile(h, p)), integer: false, members: kept });
    }
    if (request.showBuckets) {
      const first = merged.histograms[0]!;
      const column = (name: string, pick: (h: (typeof merged.histograms)[number]) => number): HistogramSeries => ({ group: g, metric: `${metric}${name}`, timestamps: merged.timestamps, values: merged.histograms.map(pick), integer: true, members: kept });
      out.push(column('_UNDERFLOW', (h) => h.underflow));
      for (const b of first.buckets) {
        out.push(column(`_${javaFloatString(b.lower)}_${javaFloatString(b.upper)}`, (h) => h.buckets.find((x) => x.lower === b.lower && x.upper === b.upper)?.count ?? 0));
      }
      out.push(column('_OVERFLOW', (h) => h.overflow));
    }
  }
  return out;
}
