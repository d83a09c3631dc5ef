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
export const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** up to this many digits a decimal fits a double exactly */
export const EXACT_DIGITS = 15;

/** Reads `bytes[start, end)` into `slot` (Int or Float kind); false when it is not such a plain decimal. */
export function readPlainDecimal(bytes: Uint8Array, start: number, end: number, slot: ValueSlot): boolean {
  const kind = readPlainNumber(bytes, start, end, slot);
  if (kind === NOT_PLAIN) return false;
  if (kind === INT) {
    slot.int = BigInt(slot.float);
    slot.float = 0;
  }
  return true;
}

/** readPlainNumber's answer when the bytes are not a plain decimal. */
export const NOT_PLAIN = -1;
const INT: number = ValueKind.Int;

/**
 * readPlainDecimal without the bigint of an integer: an integer's value is left in
 * `slot.float` (exact: at most 15 digits) and `slot.int` is not touched, so the caller
 * must not read it (BatchBuilder.pushSafeInt takes the number). Returns the kind read,
 * or NOT_PLAIN. The per-point path of the byte-level readers.
 */
export function readPlainNumber(bytes: Uint8Array, start: number, end: number, slot: ValueSlot): number {
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
      return NOT_PLAIN;
    }
  }
  if (digits === 0 || digits > EXACT_DIGITS || fraction === 0) return NOT_PLAIN;
  slot.text = undefined;
  if (fraction < 0) {
    slot.kind = ValueKind.Int;
    // -0 is the integer 0
    slot.float = negative && mantissa !== 0 ? -mantissa : mantissa;
    return INT;
  }
  slot.kind = ValueKind.Float;
  const value = mantissa / POW10[fraction]!;
  slot.float = negative ? -value : value;
  slot.int = 0n;
  return ValueKind.Float;
}
