/**
 * The comparison's second data set (issue #18): one long series for the `long-1h-avg`
 * query, a float gauge (a bounded random walk with two decimals, like the main dataset's
 * gauges) every 10 s over 30 days (259,200 points; 3 days, 25,920 points, in --small),
 * ending just before the main dataset's first timestamp, so that the main dataset's
 * queries and its day never see it. Deterministic: every system gets the same bytes.
 */
import { DATASET_SIZES, type DatasetOptions } from './dataset';
import { xorshift32 } from './random';

export interface LongSeriesOptions {
  metric: string;
  tags: { host: string; dc: string };
  /** first timestamp, UNIX seconds (a whole hour, so 1h buckets start on it) */
  start: number;
  /** timestamps */
  steps: number;
  intervalSec: number;
}

const DAY = 86_400;

/** `days` of points at 10 s, ending at the main dataset's start (exclusive). */
export function longSeriesFor(main: DatasetOptions, days: number): LongSeriesOptions {
  return { metric: 'longterm.value', tags: { host: 'host_0', dc: 'dc_0' }, start: main.start - days * DAY, steps: (days * DAY) / 10, intervalSec: 10 };
}

export const LONG_SERIES_SIZES = {
  small: longSeriesFor(DATASET_SIZES.small, 3),
  default: longSeriesFor(DATASET_SIZES.default, 30),
} satisfies Record<keyof typeof DATASET_SIZES, LongSeriesOptions>;

/** End of the series' range, UNIX seconds, exclusive (the last point is at end − interval). */
export function longSeriesEnd(options: LongSeriesOptions): number {
  return options.start + options.steps * options.intervalSec;
}

/** The values' text in time order (what a collector would send). */
export function* longSeriesValues(options: LongSeriesOptions): Generator<string> {
  const random = xorshift32(2026);
  let value = 50;
  for (let step = 0; step < options.steps; step++) {
    value = Math.min(100, Math.max(0, value + (random() - 0.5) * 4));
    yield value.toFixed(2);
  }
}

/** The series as telnet `put` lines, in chunks of about `chunkBytes`. */
export function longSeriesTelnetChunks(options: LongSeriesOptions, chunkBytes = 1 << 20): Buffer[] {
  const chunks: Buffer[] = [];
  const tagText = `host=${options.tags.host} dc=${options.tags.dc}`;
  let text = '';
  let step = 0;
  for (const value of longSeriesValues(options)) {
    text += `put ${options.metric} ${options.start + step++ * options.intervalSec} ${value} ${tagText}\n`;
    if (text.length >= chunkBytes) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  if (text) chunks.push(Buffer.from(text));
  return chunks;
}
