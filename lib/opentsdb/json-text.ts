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

/**
 * Deepest nesting of arrays and objects a request body may have. The reader (and
 * canonicalJson, codecs) recurse once per level; a body nested thousands deep would
 * otherwise end in "Maximum call stack size exceeded" instead of a 400.
 */
export const MAX_JSON_DEPTH = 128;

/** The tokens Jackson's ALLOW_NON_NUMERIC_NUMBERS reads as numbers (OpenTSDB's mapper enables it). */
const NON_NUMERIC_NUMBERS = ['NaN', 'Infinity', '+Infinity', '-Infinity'] as const;

/** Whether a JsonNumber is one of the non-numeric tokens (parseExactJson's `nonNumericNumbers`). */
export function isNonNumericNumber(value: JsonNumber): boolean {
  return (NON_NUMERIC_NUMBERS as readonly string[]).includes(value.text);
}

/**
 * Parses JSON text; numbers become JsonNumber. Throws JsonSyntaxError with a position.
 * `nonNumericNumbers`: also reads bare `NaN`, `Infinity`, `+Infinity` and `-Infinity` as
 * numbers (JsonNumber with that text), as OpenTSDB's Jackson mapper does for `/api/put`
 * bodies (Python's json.dumps writes them for float('nan') and float('inf')).
 */
export function parseExactJson(text: string, maxDepth = MAX_JSON_DEPTH, nonNumericNumbers = false): ExactJson {
  let i = 0;
  let depth = 0;
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
    // Find the closing quote; only strings with escapes go through JSON.parse.
    const start = i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else if (c === 0x22) break;
      else if (c < 0x20) fail('control character in string');
      else i++;
    }
    i++;
    if (!escaped) return text.slice(start + 1, i - 1);
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      i = start;
      return fail('invalid string escape');
    }
  };
  const digits = (): number => {
    const from = i;
    for (let c = text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++i));
    return i - from;
  };
  /** JSON's number grammar, scanned by hand (a sticky regex costs a match array per number). */
  const num = (): JsonNumber | undefined => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (digits() === 0) return (i = start), undefined;
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (digits() === 0) return (i = start), undefined;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (digits() === 0) return (i = start), undefined;
    }
    return new JsonNumber(text.slice(start, i));
  };
  const value = (): ExactJson => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      const result = c === '{' ? object() : array();
      depth--;
      return result;
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    if (nonNumericNumbers) {
      for (const token of NON_NUMERIC_NUMBERS) if (text.startsWith(token, i)) return (i += token.length), new JsonNumber(token);
    }
    return num() ?? fail('expected a value');
  };
  const object = (): ExactJson => {
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
      const v = value();
      // `__proto__` is an ordinary key in JSON; assigning it would set the prototype
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === '}') return i++, out;
      else fail("expected ',' or '}'");
    }
  };
  const array = (): ExactJson => {
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
  };
  const result = value();
  ws();
  if (i < text.length) fail('trailing content');
  return result;
}

/**
 * JSON text of a parsed value, no whitespace, numbers as their source text (int64 beyond
 * 2^53, `1e400`, `1.0` kept). `sortKeys`: object keys sorted by code unit (the canonical
 * form DSDB stores), or in the parsed object's order.
 */
function writeJson(value: ExactJson, sortKeys: boolean): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) {
    let out = '[';
    for (let k = 0; k < value.length; k++) out += (k > 0 ? ',' : '') + writeJson(value[k]!, sortKeys);
    return out + ']';
  }
  const keys = Object.keys(value);
  if (sortKeys) keys.sort();
  let out = '{';
  for (let k = 0; k < keys.length; k++) out += (k > 0 ? ',' : '') + JSON.stringify(keys[k]) + ':' + writeJson(value[keys[k]!]!, sortKeys);
  return out + '}';
}

/** Canonical JSON text: object keys sorted by code unit, no whitespace, numbers as written. */
export function canonicalJson(value: ExactJson): string {
  return writeJson(value, true);
}

/** JSON text of a parsed value as it was written: keys in the parsed order, numbers as written. */
export function exactJsonText(value: ExactJson): string {
  return writeJson(value, false);
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

/**
 * The text of a request body's first JSON object or array: OpenTSDB 2.4.1 binds bodies with
 * Jackson, which reads one value and ignores whatever follows it (FAIL_ON_TRAILING_TOKENS
 * off): `{…} junk`, `{…}}` and a second object are the first object's request (measured on
 * the real server for /api/query, /api/query/last, /api/query/exp, /api/annotation(s),
 * /api/annotation/bulk, /api/uid/*, /api/tree). Text that is no closed object or array is
 * returned whole, for the parser to refuse. Not for the write bodies (/api/put,
 * /api/histogram), which refuse trailing text so that a collector's second object is
 * never dropped without a word (docs/opentsdb-compat.md, divergence 19).
 */
export function firstJsonValueText(text: string): string {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  if (text[i] !== '{' && text[i] !== '[') return text;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return text.slice(0, i + 1);
  }
  return text;
}
