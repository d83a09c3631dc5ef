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

export function parseExactJson(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.startsWith(MARKED_STRING, i) ? `"\\u0000${text.slice(i + 1, j + 1)}` : text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const token = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i, i + 400))[0];
      // only long integers need their text; the rest stay numbers (cheap)
      out += /^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"\\u0000${token}"` : token;
      i += token.length;
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out, (_key, value) => {
    if (typeof value !== 'string' || value[0] !== MARK) return value;
    return value[1] === MARK ? value.slice(1) : new ExactInt(value.slice(1));
  });
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
