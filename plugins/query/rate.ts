/**
 * Rate of change per second (OpenTSDB's RateSpan): emitted at each point from the
 * previous one. Two integers subtract in 64-bit arithmetic; counters roll over at
 * counterMax, a reset can be dropped, and a rate above resetValue (when > 0) after a
 * rollover becomes 0. Results are doubles.
 *
 * RateSpan starts from a virtual point (0, 0), so its first "rate" is the first value
 * against time zero. OpenTSDB's aggregation never emits that first element of the
 * sequence but holds it as the series' value before its next rate; the columns carry it
 * as `rateSeed` and hold the rest. (With dropResets and a negative first value the
 * zero-time rate is dropped, and the first real rate becomes the seed, as in OpenTSDB.)
 */
import type { RateRequest } from '../../core';
import { rateOfDoubles } from '../../lib/chunks';
import { doubleColumns, type DoubleArena, type NumericColumns } from './columns';
import type { RateOptions } from './model';

/** One rate from point a to point b; NaN-free `undefined` when dropResets drops it. */
function pairRate(t0: number, v0: number, i0: bigint, int0: boolean, t1: number, v1: number, i1: bigint, int1: boolean, options: RateOptions, counterMaxDouble: number): number | undefined {
  const deltaSeconds = (t1 - t0) / 1000;
  const bothInt = int0 && int1;
  let difference = bothInt ? Number(BigInt.asIntN(64, i1 - i0)) : v1 - v0;
  if (options.counter && difference < 0) {
    if (options.dropResets) return undefined;
    difference = bothInt ? Number(BigInt.asIntN(64, options.counterMax - i0 + i1)) : counterMaxDouble - v0 + v1;
    const value = difference / deltaSeconds;
    return options.resetValue > 0 && value > options.resetValue ? 0 : value;
  }
  return difference / deltaSeconds;
}

/**
 * `from`: AggregationIterator skips the rates stamped before the first row read (each still
 * computed from the point before it); the first rate kept is the held one.
 */
export function rate(input: NumericColumns, options: RateOptions, from = -Infinity, arena?: DoubleArena): NumericColumns {
  const n = input.length;
  if (arena && allDoubles(input)) return rateOfColumns(input, options, from, arena);
  const outTimestamps = new Float64Array(n);
  const outValues = new Float64Array(n);
  const { timestamps, values, ints, isInt } = input;
  const counterMaxDouble = Number(options.counterMax);
  let seed: number | undefined;
  let j = 0;
  for (let i = 0; i < n; i++) {
    // the pair before the first point is RateSpan's virtual (0, 0)
    const r =
      i === 0
        ? pairRate(0, 0, 0n, true, timestamps[0]!, values[0]!, ints[0]!, isInt[0] === 1, options, counterMaxDouble)
        : pairRate(timestamps[i - 1]!, values[i - 1]!, ints[i - 1]!, isInt[i - 1] === 1, timestamps[i]!, values[i]!, ints[i]!, isInt[i] === 1, options, counterMaxDouble);
    if (r === undefined || timestamps[i]! < from) continue;
    if (seed === undefined) {
      seed = r; // the first element of the sequence is held, never emitted
      continue;
    }
    outTimestamps[j] = timestamps[i]!;
    outValues[j] = r;
    j++;
  }
  // rates are doubles: the integer columns are shared zeros
  const result = doubleColumns(outTimestamps.subarray(0, j), outValues.subarray(0, j), j);
  // A series whose sequence has a single element never contributes (OpenTSDB ends it at once).
  if (j > 0) result.rateSeed = seed;
  return result;
}

function allDoubles(c: NumericColumns): boolean {
  const isInt = c.isInt;
  for (let i = 0; i < c.length; i++) if (isInt[i] !== 0) return false;
  return true;
}

/** rate() of columns without integers: lib/chunks' rateOfDoubles, in slices of the sub-query's arena. */
function rateOfColumns(input: NumericColumns, options: RateOptions, from: number, arena: DoubleArena): NumericColumns {
  const rated = rateOfDoubles(input.timestamps, input.values, input.length, rateRequestOf(options, from), (n) => arena.take(n));
  const result = doubleColumns(rated.timestamps, rated.values, rated.length);
  if (rated.seed !== undefined) result.rateSeed = rated.seed;
  return result;
}

/** The rate options as the storage contract carries them (core RateRequest). */
export function rateRequestOf(options: RateOptions, from: number): RateRequest {
  return { counter: options.counter, counterMax: Number(options.counterMax), resetValue: options.resetValue, dropResets: options.dropResets, from };
}
