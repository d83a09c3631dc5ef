/**
 * JSON.parse that keeps every number's text: /api/query writes 64-bit integers exactly
 * and doubles as Java does (`10.0`), and `/q?ascii` must print them the same way, which
 * plain JSON.parse (doubles only) would lose. Numbers come back as `{ num: text }`.
 */

export interface NumberText {
  num: string;
}

const MARK = '\u0000';

export function parseExactJson(text: string): unknown {
  // Wrap each number token that is outside a string in a marked string, then parse.
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const match = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i, i + 400))!;
      out += `"\\u0000${match[0]}"`; // the escape: a raw NUL is not valid inside a JSON string
      i += match[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out, (_key, value) => (typeof value === 'string' && value[0] === MARK ? { num: value.slice(1) } : value));
}

export function isNumberText(value: unknown): value is NumberText {
  return typeof value === 'object' && value !== null && typeof (value as NumberText).num === 'string' && Object.keys(value).length === 1;
}
