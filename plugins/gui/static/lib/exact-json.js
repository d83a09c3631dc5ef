// JSON.parse that keeps the digits of integers beyond 2^53: /api/query writes 64-bit
// integers exactly, and a JS number would round 9007199254740993 to …992. Such a number
// comes back as `{ int: '<digits>' }`; every other number as a plain number.

const MARK = '\u0000';

export function parseExactJson(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
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
  return JSON.parse(out, (_key, value) => (typeof value === 'string' && value[0] === MARK ? { int: value.slice(1) } : value));
}

/** A value from parseExactJson as a number (big integers approximated, for drawing). */
export function toNumber(value) {
  return value !== null && typeof value === 'object' && typeof value.int === 'string' ? Number(value.int) : value;
}

export function isBigInt(value) {
  return value !== null && typeof value === 'object' && typeof value.int === 'string' && Object.keys(value).length === 1;
}
