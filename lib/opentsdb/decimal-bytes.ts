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

/** readPlainNumberUntil's `stop` when the word is all of `[start, limit)`. */
export const NO_STOP = -1;

/**
 * readPlainDecimal without the bigint of an integer: an integer's value is left in
 * `slot.float` (exact: at most 15 digits) and `slot.int` is not touched, so the caller
 * must not read it (BatchBuilder.pushSafeInt takes the number). Returns the kind read,
 * or NOT_PLAIN. The per-point path of the byte-level readers.
 */
export function readPlainNumber(bytes: Uint8Array, start: number, end: number, slot: ValueSlot): number {
  return readPlainNumberUntil(bytes, start, end, NO_STOP, slot) === NOT_PLAIN ? NOT_PLAIN : slot.kind;
}

/**
 * readPlainNumber of the word from `start` to the first `stop` byte (a put line's space),
 * found while it is read: one pass over the bytes where a caller would otherwise scan for
 * the word's end and then read it. Returns the index of that `stop` byte (of `limit` with
 * NO_STOP), or NOT_PLAIN when the word is no plain decimal or `limit` comes first.
 * The rules are readPlainNumber's: a sign, at most EXACT_DIGITS digits, one dot with
 * digits after it; `-0` is the integer 0.
 */
export function readPlainNumberUntil(bytes: Uint8Array, start: number, limit: number, stop: number, slot: ValueSlot): number {
  let i = start;
  const first = bytes[i];
  const negative = first === 0x2d;
  if (negative || first === 0x2b) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; ; i++) {
    if (i >= limit) {
      if (stop === NO_STOP) break;
      return NOT_PLAIN;
    }
    const c = bytes[i]!;
    const d = c - 0x30;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === DOT && fraction < 0) {
      fraction = 0;
    } else if (c === stop) {
      break;
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
    return i;
  }
  slot.kind = ValueKind.Float;
  const value = mantissa / POW10[fraction]!;
  slot.float = negative ? -value : value;
  slot.int = 0n;
  return i;
}
