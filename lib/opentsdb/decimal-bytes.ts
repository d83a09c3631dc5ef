/**
 * A plain decimal read straight from bytes, the common value of a put line or an
 * `/api/put` body: an integer of at most 15 digits, or `digits.digits` with at most 15
 * significant digits. Both parts are exact doubles then, so one IEEE division gives the
 * correctly rounded value — the same double `Double.parseDouble` (and parseValueText)
 * gives. Anything else answers false and goes to the general text parser.
 */
import { ValueKind } from '../../core/types';
import type { ValueSlot } from './value-text';

const DOT = 0x2e;
/** 10^k as doubles, exact up to 10^22 */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** up to this many digits a decimal fits a double exactly */
export const EXACT_DIGITS = 15;

/** Reads `bytes[start, end)` into `slot` (Int or Float kind); false when it is not such a plain decimal. */
export function readPlainDecimal(bytes: Uint8Array, start: number, end: number, slot: ValueSlot): boolean {
  let i = start;
  let negative = false;
  const first = bytes[i];
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = bytes[i]! - 0x30;
    if (c >= 0 && c <= 9) {
      mantissa = mantissa * 10 + c;
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === DOT - 0x30 && fraction < 0) {
      fraction = 0;
    } else {
      return false;
    }
  }
  if (digits === 0 || digits > EXACT_DIGITS || fraction === 0) return false;
  if (fraction < 0) {
    slot.kind = ValueKind.Int;
    slot.int = BigInt(negative ? -mantissa : mantissa);
    slot.float = 0;
  } else {
    slot.kind = ValueKind.Float;
    const value = mantissa / POW10[fraction]!;
    slot.float = negative ? -value : value;
    slot.int = 0n;
  }
  slot.text = undefined;
  return true;
}
