/**
 * Reducing histogram series (TsdbQuery's HistogramSpanGroup, HistogramAggregationIterator,
 * HistogramDownsampler): per series, `sum` downsampling merges the histograms of a bucket
 * into one at the bucket's start; across the series of a group, histograms at the same
 * timestamp are merged (no interpolation: a timestamp with one series' point has that
 * point alone). Fill policies do not apply to histograms.
 */
import { cloneHistogram, mergeInto, type SimpleHistogram } from './simple-histogram';

/** One series' histograms, sorted by timestamp (ms). */
export interface HistogramPoints {
  timestamps: number[];
  histograms: SimpleHistogram[];
}

/**
 * HistogramDownsampler with `sum`: `floor(ts)` gives each point's bucket; `all` puts every
 * point in [start, end) into one bucket stamped past `end` (as OpenTSDB 2.4.1 does, so the
 * answer has the series with no dps).
 */
export function downsampleHistograms(points: HistogramPoints, floor: (ts: number) => number, all: boolean, start: number, end: number): HistogramPoints {
  const out: HistogramPoints = { timestamps: [], histograms: [] };
  for (let i = 0; i < points.timestamps.length; i++) {
    const ts = points.timestamps[i]!;
    let bucket: number;
    if (all) {
      if (ts < start || ts >= end) continue;
      // HistogramDownsampler stamps its one `all` bucket with the end of its interval, which
      // the answer's cut to [start, end] leaves out: OpenTSDB 2.4.1 answers `dps: {}`
      bucket = end + 1;
    } else bucket = floor(ts);
    const last = out.timestamps.length - 1;
    if (last >= 0 && out.timestamps[last] === bucket) mergeInto(out.histograms[last]!, points.histograms[i]!);
    else {
      out.timestamps.push(bucket);
      out.histograms.push(cloneHistogram(points.histograms[i]!));
    }
  }
  return out;
}

/** HistogramAggregationIterator with SUM: the union of timestamps, histograms merged where they meet. */
export function mergeSeries(series: readonly HistogramPoints[]): HistogramPoints {
  if (series.length === 1) return series[0]!;
  const byTime = new Map<number, SimpleHistogram>();
  for (const s of series) {
    for (let i = 0; i < s.timestamps.length; i++) {
      const ts = s.timestamps[i]!;
      const have = byTime.get(ts);
      if (have) mergeInto(have, s.histograms[i]!);
      else byTime.set(ts, cloneHistogram(s.histograms[i]!));
    }
  }
  const timestamps = [...byTime.keys()].sort((a, b) => a - b);
  return { timestamps, histograms: timestamps.map((t) => byTime.get(t)!) };
}
