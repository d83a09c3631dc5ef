/**
 * Compares one answer of DSDB with OpenTSDB's. Numbers are read exactly (64-bit integers as
 * BigInt); doubles agree within 1e-9 relative (Java and JS may add in another order), and an
 * integer agrees with a double of the same value (3 and 3.0 are the same JSON number).
 * Java error stack traces are ignored: status, and error.code/message are compared.
 */

export interface Answer {
  status: number;
  text: string;
}

/** JSON with numbers kept as their text ({ $n: '123' }). */
export function parseExact(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        let k = value() as string;
        ws();
        i++; // :
        // OpenTSDB writes a key twice (two ms points in one second): kept as k#2, k#3…
        if (k in o) for (let n = 2; ; n++) if (!(`${k}#${n}` in o)) {
          k = `${k}#${n}`;
          break;
        }
        o[k] = value();
        ws();
        if (text[i++] === '}') return o;
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i++] === ']') return a;
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return s;
    }
    const m = /^(-?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|NaN|Infinity)|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) throw new Error(`bad JSON at ${i}: ${text.slice(i, i + 40)}`);
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return { $n: m[0] };
  };
  const v = value();
  return v;
}

function isNum(x: unknown): x is { $n: string } {
  return typeof x === 'object' && x !== null && '$n' in x && Object.keys(x).length === 1;
}

/** Numeric agreement: exact for integers, 1e-9 relative for doubles; "NaN" strings as NaN. */
export function sameNumber(a: string, b: string): boolean {
  if (a === b) return true;
  const intA = /^-?\d+$/.test(a);
  const intB = /^-?\d+$/.test(b);
  if (intA && intB) return BigInt(a) === BigInt(b);
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  if (intA !== intB && Math.abs(x) >= 2 ** 53) {
    // a long beyond 2^53 against a double: compare at double precision
    return Number(a) === Number(b);
  }
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

/** Value in a dps map: numbers, "NaN" (OpenTSDB quotes NaN), null. */
function dpText(v: unknown): string {
  if (v === null) return 'null';
  if (isNum(v)) return v.$n;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The first difference between two JSON trees, as a path and both sides; undefined when equal. */
export function diffTrees(a: unknown, b: unknown, path = '$'): string | undefined {
  if (isNum(a) || isNum(b) || (typeof a === 'string' && /^(NaN|-?Infinity)$/.test(a)) || (typeof b === 'string' && /^(NaN|-?Infinity)$/.test(b))) {
    const ta = dpText(a);
    const tb = dpText(b);
    if ((isNum(a) || ta === 'NaN') && (isNum(b) || tb === 'NaN') && sameNumber(ta, tb)) return undefined;
    return ta === tb ? undefined : `${path}: dsdb ${ta} vs opentsdb ${tb}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: dsdb ${short(a)} vs opentsdb ${short(b)}`;
    if (a.length !== b.length) return `${path}: dsdb has ${a.length} items, opentsdb ${b.length}: dsdb ${short(a)} vs opentsdb ${short(b)}`;
    for (let i = 0; i < a.length; i++) {
      const d = diffTrees(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    const missing = kb.filter((k) => !(k in a));
    const extra = ka.filter((k) => !(k in b));
    if (missing.length || extra.length) return `${path}: keys only in dsdb [${extra.join(',')}], only in opentsdb [${missing.join(',')}]${path.endsWith('.dps') ? ` (dsdb ${short(a)} vs opentsdb ${short(b)})` : ''}`;
    for (const k of kb) {
      const d = diffTrees((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return a === b ? undefined : `${path}: dsdb ${short(a)} vs opentsdb ${short(b)}`;
}

function short(x: unknown): string {
  const s = JSON.stringify(x, (_k, v) => (isNum(v) ? v.$n : v));
  return s === undefined ? 'undefined' : s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** Drops what is not compared: Java stack traces, error details, timing stats. */
function normalize(kind: string, tree: unknown): unknown {
  if (tree && typeof tree === 'object' && !Array.isArray(tree) && 'error' in tree) {
    const e = (tree as { error: Record<string, unknown> }).error;
    // /api/query/exp's messages may print a Java array (`[Lnet…ExpressionDataPoint;@2fef3b3`):
    // its identity hash differs on every run of OpenTSDB (docs/opentsdb-compat.md)
    const message = typeof e.message === 'string' ? e.message.replace(/(\[L[\w.$]+;)@[0-9a-f]+/g, '$1@(identity)') : e.message;
    return { error: { code: e.code, message } };
  }
  if (Array.isArray(tree) && (kind.startsWith('query') || kind === 'fixed' || kind === 'gexp' || kind === 'fixed-gexp')) {
    return tree.map((s) => {
      if (s && typeof s === 'object' && 'query' in s) {
        const q = { ...(s as Record<string, unknown>).query as Record<string, unknown> };
        // base64 UIDs in OpenTSDB, which DSDB does not have (docs/opentsdb-compat.md)
        delete q.filterTagKs;
        return { ...(s as object), query: q };
      }
      return s;
    });
  }
  // TSUIDs: both are UIDs in hex, but this run does not give names their UIDs in one order
  // on both servers (test/oracle/uid-meta.test.ts does, and compares them)
  if (kind.startsWith('last') && Array.isArray(tree)) {
    return tree.map((p) => (p && typeof p === 'object' && 'tsuid' in p ? { ...(p as object), tsuid: '(id)' } : p));
  }
  if (kind === 'lookup' && tree && typeof tree === 'object') {
    const t = { ...(tree as Record<string, unknown>) };
    if (Array.isArray(t.results)) t.results = t.results.map((r) => (r && typeof r === 'object' ? { ...(r as object), tsuid: '(id)' } : r));
    delete t.time;
    // series order follows UIDs in OpenTSDB (see docs/opentsdb-compat.md): compared as a set
    if (Array.isArray(t.results)) {
      const key = (r: unknown) => JSON.stringify(Object.entries(((r as Record<string, unknown>).tags ?? {}) as Record<string, string>).sort());
      t.results = [...t.results].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    }
    return t;
  }
  return tree;
}

/** Series answers are matched by (metric, tags, aggregateTags) when OpenTSDB's order follows its UIDs. */
function sortSeries(tree: unknown): unknown {
  if (!Array.isArray(tree)) return tree;
  const key = (s: unknown) => {
    const o = s as Record<string, unknown>;
    const q = o.query as Record<string, unknown> | undefined;
    return JSON.stringify([q ? (q.index as { $n: string })?.$n : '', o.metric, o.tags, o.tsuid ?? '']);
  };
  return [...tree].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/**
 * Deliberate divergence 3 (docs/opentsdb-compat.md): DSDB stores string values, which
 * OpenTSDB refuses (`Unable to parse value to a number`). In a put reply such a point counts
 * as written, as DSDB answers it.
 */
function acceptStrings(a: Answer): Answer {
  if (a.status !== 400) return a;
  let body: { success?: number; failed?: number; errors?: { datapoint?: { value?: unknown }; error?: string }[] };
  try {
    body = JSON.parse(a.text) as typeof body;
  } catch {
    return a;
  }
  if (!Array.isArray(body.errors) || typeof body.success !== 'number' || typeof body.failed !== 'number') return a;
  const isString = (e: { datapoint?: { value?: unknown }; error?: string }) =>
    e.error === 'Unable to parse value to a number' && typeof e.datapoint?.value === 'string' && Number.isNaN(Number(e.datapoint.value));
  const strings = body.errors.filter(isString).length;
  if (strings === 0) return a;
  const out = { success: body.success + strings, failed: body.failed - strings, errors: body.errors.filter((e) => !isString(e)) };
  return { ...a, status: out.failed === 0 ? 200 : 400, text: JSON.stringify(out) };
}

/** Whether both answers are OpenTSDB error JSON with the same (normalized) message. */
function sameErrorMessage(kind: string, a: string, b: string): boolean {
  try {
    const ea = normalize(kind, parseExact(a)) as { error?: { message?: unknown } };
    const eb = normalize(kind, parseExact(b)) as { error?: { message?: unknown } };
    return typeof ea?.error?.message === 'string' && ea.error.message === eb?.error?.message;
  } catch {
    return false;
  }
}

export function compareAnswers(kind: string, dsdb: Answer, opentsdb: Answer): string | undefined {
  if (kind === 'put-details') opentsdb = acceptStrings(opentsdb);
  if (dsdb.status !== opentsdb.status) {
    // both errors with one message: only the status differs (docs/opentsdb-compat.md, divergence 10)
    const same = sameErrorMessage(kind, dsdb.text, opentsdb.text) ? ' with the same error message' : '';
    return `status: dsdb ${dsdb.status} vs opentsdb ${opentsdb.status}${same} (dsdb ${dsdb.text.slice(0, 300)} | opentsdb ${opentsdb.text.slice(0, 300)})`;
  }
  let a: unknown;
  let b: unknown;
  try {
    b = parseExact(opentsdb.text);
  } catch {
    return dsdb.text === opentsdb.text ? undefined : `body: dsdb ${dsdb.text.slice(0, 200)} vs opentsdb ${opentsdb.text.slice(0, 200)}`;
  }
  try {
    a = parseExact(dsdb.text);
  } catch (err) {
    return `dsdb answer is not JSON (${(err as Error).message}): ${dsdb.text.slice(0, 200)}`;
  }
  a = normalize(kind, a);
  b = normalize(kind, b);
  if (kind.startsWith('last')) {
    a = sortSeries(a);
    b = sortSeries(b);
  }
  return diffTrees(a, b);
}
