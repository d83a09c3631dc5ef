/**
 * The answers the checked queries must give, computed from the generated data itself, and
 * the comparison of a system's answer with them (and with the baseline's): the queries of
 * issue #18 are only worth timing if every system computes the same thing.
 */
import { points, type DatasetOptions } from './dataset';
import { longSeriesValues, type LongSeriesOptions } from './long-series';

/** Queries whose answers are checked, and the query each system's `values()` must read. */
export const CHECKED_QUERIES = ['day-0all-sum', 'long-1h-avg'] as const;
export type CheckedQuery = (typeof CHECKED_QUERIES)[number];

/** Largest relative difference tolerated: float rounding of sums in another order. */
export const CHECK_TOLERANCE = 1e-9;

/**
 * The exact answers, in time order: `day-0all-sum` is one number, the sum of every
 * `cpu.user` value of the main dataset; `long-1h-avg` the mean of each whole hour
 * [T, T+1h) of the long series (the series starts on a whole hour).
 */
export function expectedAnswers(main: DatasetOptions, long: LongSeriesOptions): Record<CheckedQuery, number[]> {
  let total = 0;
  for (const p of points(main)) if (p.metric === 'cpu.user') total += Number(p.value);
  const perBucket = 3600 / long.intervalSec;
  const hourly: number[] = [];
  let sum = 0;
  let n = 0;
  for (const value of longSeriesValues(long)) {
    sum += Number(value);
    if (++n === perBucket) {
      hourly.push(sum / n);
      sum = 0;
      n = 0;
    }
  }
  if (n > 0) hourly.push(sum / n);
  return { 'day-0all-sum': [total], 'long-1h-avg': hourly };
}

export interface AnswerCheck {
  query: CheckedQuery;
  system: string;
  /** what the answer is compared with: `data` (the generated data) or a system's name */
  against: string;
  values: number;
  expectedValues: number;
  first: number | null;
  expectedFirst: number | null;
  /** largest |a − b| / max(|a|, |b|) over the values both have; Infinity when counts differ */
  maxRelativeDiff: number;
  ok: boolean;
}

function relativeDiff(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

export function checkAnswer(query: CheckedQuery, system: string, got: number[], against: string, expected: number[]): AnswerCheck {
  let maxRelativeDiff = got.length === expected.length ? 0 : Infinity;
  for (let i = 0; i < Math.min(got.length, expected.length); i++) maxRelativeDiff = Math.max(maxRelativeDiff, relativeDiff(got[i]!, expected[i]!));
  if (Number.isNaN(maxRelativeDiff)) maxRelativeDiff = Infinity;
  return {
    query,
    system,
    against,
    values: got.length,
    expectedValues: expected.length,
    first: got[0] ?? null,
    expectedFirst: expected[0] ?? null,
    maxRelativeDiff,
    ok: maxRelativeDiff <= CHECK_TOLERANCE,
  };
}

/** One line for the output: `ok` or `WARNING`, the first values and the largest difference. */
export function describeCheck(c: AnswerCheck): string {
  const diff = Number.isFinite(c.maxRelativeDiff) ? c.maxRelativeDiff.toExponential(1) : '∞';
  return `${c.ok ? 'ok' : 'WARNING'}: ${c.query} ${c.system} vs ${c.against}: ${c.values} value(s) (expected ${c.expectedValues}), first ${c.first} vs ${c.expectedFirst}, largest relative difference ${diff}`;
}
