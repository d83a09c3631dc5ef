/**
 * Rate of change per second (OpenTSDB's RateSpan): emitted at each point from the
 * previous one, so the first point gives nothing. Two integers subtract in 64-bit
 * arithmetic; counters roll over at counterMax, a reset can be dropped, and a rate above
 * resetValue (when > 0) after a rollover becomes 0. Results are doubles.
 */
import { allocColumns, trimColumns, type NumericColumns } from './columns';
import type { RateOptions } from './model';

export function rate(input: NumericColumns, options: RateOptions): NumericColumns {
  const n = input.length;
  const out = allocColumns(Math.max(0, n - 1));
  const { timestamps, values, ints, isInt } = input;
  const counterMaxDouble = Number(options.counterMax);
  let j = 0;
  for (let i = 1; i < n; i++) {
    const deltaSeconds = (timestamps[i]! - timestamps[i - 1]!) / 1000;
    const bothInt = isInt[i] === 1 && isInt[i - 1] === 1;
    let difference = bothInt ? Number(BigInt.asIntN(64, ints[i]! - ints[i - 1]!)) : values[i]! - values[i - 1]!;
    let value: number;
    if (options.counter && difference < 0) {
      if (options.dropResets) continue;
      difference = bothInt
        ? Number(BigInt.asIntN(64, options.counterMax - ints[i - 1]! + ints[i]!))
        : counterMaxDouble - values[i - 1]! + values[i]!;
      value = difference / deltaSeconds;
      if (options.resetValue > 0 && value > options.resetValue) value = 0;
    } else {
      value = difference / deltaSeconds;
    }
    out.timestamps[j] = timestamps[i]!;
    out.values[j] = value;
    j++;
  }
  out.length = j;
  return trimColumns(out);
}
