/**
 * A JSON reader that keeps every number's source text, so `9223372036854775807` in a
 * request body or inside a JSON value never passes through a JS number, and the
 * canonical JSON text DSDB stores for JSON values (keys sorted, no spaces, numbers as
 * written).
 */

/** A JSON number as written in the source. */
export class JsonNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
}

export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | { [key: string]: ExactJson };

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text; numbers become JsonNumber. Throws JsonSyntaxError with a position. */
export function parseExactJson(text: string): ExactJson {
  let i = 0;
  const fail = (what: string): never => {
    if (i >= text.length) throw new JsonSyntaxError(`Unexpected end-of-input: ${what} at position ${i}`);
    throw new JsonSyntaxError(`Unexpected character ('${text[i]}') at position ${i}: ${what}`);
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const str = (): string => {
    // Find the closing quote, then let JSON.parse decode escapes exactly.
    const start = i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x5c) i += 2;
      else if (c === 0x22) break;
      else if (c < 0x20) fail('control character in string');
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      i = start;
      return fail('invalid string escape');
    }
  };
  const value = (): ExactJson => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: { [key: string]: ExactJson } = {};
      ws();
      if (text[i] === '}') return i++, out;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a field name');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        out[key] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, out;
        else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const out: ExactJson[] = [];
      ws();
      if (text[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, out;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0) {
      i += m[0].length;
      return new JsonNumber(m[0]);
    }
    return fail('expected a value');
  };
  const result = value();
  ws();
  if (i < text.length) fail('trailing content');
  return result;
}

/** Canonical JSON text: object keys sorted by code unit, no whitespace, numbers as written. */
export function canonicalJson(value: ExactJson): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let k = 0; k < keys.length; k++) {
    if (k > 0) out += ',';
    out += JSON.stringify(keys[k]) + ':' + canonicalJson(value[keys[k]!]!);
  }
  return out + '}';
}

/** Whether a parsed value is a JSON object (not an array, not a scalar). */
export function isJsonObject(value: ExactJson): value is { [key: string]: ExactJson } {
  return typeof value === 'object' && value !== null && !(value instanceof JsonNumber) && !Array.isArray(value);
}

/**
 * End (exclusive) of the JSON string or object token starting at `bytes[start]`
 * (`"` or `{`), scanning no further than `end`; -1 when it is not closed by then.
 * Works on UTF-8 bytes: multi-byte sequences never contain `"`, `\`, `{` or `}`.
 */
export function jsonTokenEnd(bytes: Uint8Array, start: number, end: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i + 1;
  }
  return -1;
}
