/**
 * The per-series half of OpenTSDB's rate (RateSpan) over double values — downsampled
 * buckets, or float gauges — shared by the query engine and by engines that compute it
 * where the buckets are (core DownsampleRequest.rate). Integer pairs subtract in 64-bit
 * arithmetic in the query engine's general rate; here every value is a double, as every
 * downsampled value is (OpenTSDB's downsamplers yield doubles).
 *
 * RateSpan starts from a virtual point (0, 0): its first rate is the first value against
 * time zero, held (`seed`) and never emitted; rates stamped before `from` are skipped
 * (each still computed from the point before it). A counter's negative step is a rollover
 * at `counterMax` (or dropped with `dropResets`); with `resetValue` > 0 a rate above it
 * after a rollover is 0.
 */
import type { RateRequest } from '../../core';

export interface RatedDoubles {
  length: number;
  timestamps: Float64Array;
  values: Float64Array;
  /** the held first rate; undefined when no rate is emitted */
  seed: number | undefined;
}

/**
 * Rates of `values[0..n)` at `timestamps` (ms). `take(n)` gives the output columns (an
 * arena slice, or a new array): without dropResets the output timestamps are a view of the
 * input's (every later point gives a rate), so only values are taken.
 */
export function rateOfDoubles(timestamps: Float64Array, values: Float64Array, n: number, rate: RateRequest, take: (n: number) => Float64Array): RatedDoubles {
  const { counter, dropResets, counterMax, resetValue, from } = rate;
  let i = 0;
  while (i < n && timestamps[i]! < from) i++;
  // the seed: the first rate kept
  let seed = NaN;
  let seeded = false;
  for (; i < n && !seeded; i++) {
    const t0 = i === 0 ? 0 : timestamps[i - 1]!;
    const v0 = i === 0 ? 0 : values[i - 1]!;
    let difference = values[i]! - v0;
    const deltaSeconds = (timestamps[i]! - t0) / 1000;
    if (counter && difference < 0) {
      if (dropResets) continue;
      difference = counterMax - v0 + values[i]!;
      seed = difference / deltaSeconds;
      if (resetValue > 0 && seed > resetValue) seed = 0;
    } else {
      seed = difference / deltaSeconds;
    }
    seeded = true;
  }
  const outTimestamps = dropResets ? take(n - i) : timestamps.subarray(i, n);
  const outValues = take(n - i);
  let j = 0;
  let lastDelta = NaN;
  let deltaSeconds = NaN;
  for (; i < n; i++) {
    const delta = timestamps[i]! - timestamps[i - 1]!;
    // regular series repeat one interval: its division is done once
    if (delta !== lastDelta) {
      lastDelta = delta;
      deltaSeconds = delta / 1000;
    }
    const v0 = values[i - 1]!;
    const v1 = values[i]!;
    let r = (v1 - v0) / deltaSeconds;
    if (counter && v1 - v0 < 0) {
      if (dropResets) continue;
      r = (counterMax - v0 + v1) / deltaSeconds;
      if (resetValue > 0 && r > resetValue) r = 0;
    }
    if (dropResets) outTimestamps[j] = timestamps[i]!;
    outValues[j] = r;
    j++;
  }
  return { length: j, timestamps: outTimestamps.subarray(0, j), values: outValues.subarray(0, j), seed: j > 0 ? seed : undefined };
}
