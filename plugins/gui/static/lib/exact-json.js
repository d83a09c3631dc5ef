// JSON.parse that keeps the digits of integers beyond 2^53: /api/query writes 64-bit
// integers exactly, and a JS number would round 9007199254740993 to …992. Such a number
// comes back as an ExactInt (`.int`: its digits); every other number as a plain number.
//
// The digits travel through JSON.parse as a string marked with a leading NUL. A string
// of the answer's own that starts with a NUL (a stored value may) gets a second NUL in
// front, taken off again by the reviver: so no data can pass for a big integer, and an
// object `{"int": "…"}` stored as a JSON value stays an object (ExactInt is a class).

const MARK = '\u0000';
/** A JSON string token that starts with an escaped NUL: `"\u0000` */
const MARKED_STRING = '"\\u0000';

/** An integer beyond 2^53, as its decimal digits. */
export class ExactInt {
  constructor(int) {
    this.int = int;
  }
}

/**
 * A JSON string token, or an integer of 16 digits or more standing alone (not part of a
 * fraction, an exponent or a longer token). One native regex pass: a 70 MB answer of
 * 1,000 series took 7 s to copy a character at a time, the page frozen meanwhile.
 */
const TOKEN = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d{16,}(?![\w.])/g;

/** Whether the last replace marked anything (a reviver costs a call a value: 3 s for 6M values). */
let marked = false;

function markToken(token) {
  if (token[0] === '"') {
    if (!token.startsWith(MARKED_STRING)) return token;
    marked = true;
    return `"\\u0000${token.slice(1)}`;
  }
  // only integers a double cannot hold need their text; the rest stay numbers (cheap)
  if (Number.isSafeInteger(Number(token))) return token;
  marked = true;
  return `"\\u0000${token}"`;
}

function revive(_key, value) {
  if (typeof value !== 'string' || value[0] !== MARK) return value;
  return value[1] === MARK ? value.slice(1) : new ExactInt(value.slice(1));
}

export function parseExactJson(text) {
  marked = false;
  const out = text.replace(TOKEN, markToken);
  return marked ? JSON.parse(out, revive) : JSON.parse(out);
}

/** A value from parseExactJson as a number (big integers approximated, for drawing). */
export function toNumber(value) {
  return value instanceof ExactInt ? Number(value.int) : value;
}

export function isBigInt(value) {
  return value instanceof ExactInt;
}

/** Compact JSON text of a value from parseExactJson, big integers written as their digits. */
export function exactJsonText(value) {
  if (value instanceof ExactInt) return value.int;
  if (Array.isArray(value)) return `[${value.map(exactJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${exactJsonText(value[key])}`).join(',')}}`;
  return JSON.stringify(value);
}
