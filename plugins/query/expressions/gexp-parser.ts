/**
 * The `exp=` syntax of /api/query/gexp, as OpenTSDB 2.4.1's JavaCC grammar (src/parser.jj,
 * SyntaxChecker) reads it:
 *   EXPRESSION := NAME "(" PARAMETER ("," PARAMETER)* ")"
 *   PARAMETER  := EXPRESSION | METRIC | NAME
 *   METRIC     := NAME ":" [NAME ":"] [NAME ":"] NAME ["{" NAME "=" NAME ("," NAME "=" NAME)* "}"]
 * NAME is one or more of `*`, letters, digits and `-_#/$@|.'][`. Metric queries are numbered
 * in the order met across all the `exp=` of a request; what follows the closing ")" is not read.
 */
import { ApiError } from '../../../lib/opentsdb';

export type ExpParam = { kind: 'exp'; node: ExpNode } | { kind: 'metric'; index: number; text: string } | { kind: 'name'; text: string };

export interface ExpNode {
  fn: string;
  params: ExpParam[];
}

/** Functions OpenTSDB 2.4.1's ExpressionFactory knows (with their synonyms). */
export const GEXP_FUNCTIONS = new Set([
  'alias',
  'scale',
  'absolute',
  'movingAverage',
  'highestCurrent',
  'highestMax',
  'shift',
  'timeShift',
  'divideSeries',
  'divide',
  'sumSeries',
  'sum',
  'diffSeries',
  'difference',
  'multiplySeries',
  'multiply',
]);

const NAME_CHAR = /[a-zA-Z0-9\-_#/$@|.'\][]/;

class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  skip(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos]!)) this.pos++;
  }
  peek(): string | undefined {
    this.skip();
    return this.text[this.pos];
  }
  /** the token after the next NAME (for the grammar's lookahead), without consuming */
  peekAfterName(): string | undefined {
    const save = this.pos;
    this.name();
    const c = this.peek();
    this.pos = save;
    return c;
  }
  name(): string | undefined {
    this.skip();
    // the token is ("*" | [letters, digits, -_#/$@|.'][]+): a `*` stands alone
    if (this.text[this.pos] === '*') {
      this.pos++;
      return '*';
    }
    const start = this.pos;
    while (this.pos < this.text.length && NAME_CHAR.test(this.text[this.pos]!)) this.pos++;
    return this.pos > start ? this.text.slice(start, this.pos) : undefined;
  }
  expect(c: string): void {
    if (this.peek() !== c) throw new SyntaxError(c);
    this.pos++;
  }
}

function parseExpression(r: Reader, metrics: string[]): ExpNode {
  const fn = r.name();
  if (fn === undefined) throw new SyntaxError('name');
  // new ExpressionTree(name) resolves the function at once (OpenTSDB 2.4.1: a 500; DSDB: 400, divergence 10)
  if (!GEXP_FUNCTIONS.has(fn)) throw new ApiError(400, `Function ${fn} has not been implemented`);
  r.expect('(');
  const node: ExpNode = { fn, params: [] };
  node.params.push(parseParameter(r, metrics));
  while (r.peek() === ',') {
    r.pos++;
    node.params.push(parseParameter(r, metrics));
  }
  r.expect(')');
  return node;
}

function parseParameter(r: Reader, metrics: string[]): ExpParam {
  const after = r.peekAfterName();
  if (after === '(') return { kind: 'exp', node: parseExpression(r, metrics) };
  if (after === ':') {
    const text = parseMetric(r);
    metrics.push(text);
    return { kind: 'metric', index: metrics.length - 1, text };
  }
  const text = r.name();
  if (text === undefined) throw new SyntaxError('name');
  return { kind: 'name', text };
}

function parseMetric(r: Reader): string {
  const parts: string[] = [];
  for (;;) {
    const part = r.name();
    if (part === undefined) throw new SyntaxError('name');
    parts.push(part);
    if (r.peek() !== ':' || parts.length === 4) break;
    r.pos++;
  }
  if (parts.length < 2) throw new SyntaxError(':');
  let text = parts.join(':');
  if (r.peek() === '{') {
    r.pos++;
    const pairs: string[] = [];
    for (;;) {
      const k = r.name();
      if (k === undefined) throw new SyntaxError('name');
      r.expect('=');
      const v = r.name();
      if (v === undefined) throw new SyntaxError('name');
      pairs.push(`${k}=${v}`);
      if (r.peek() === ',') {
        r.pos++;
        continue;
      }
      r.expect('}');
      break;
    }
    text += `{${pairs.join(',')}}`;
  }
  return text;
}

/** Parses each `exp=`; `metrics` receives the metric queries in order (their index is their place there). */
export function parseGexp(expressions: readonly string[], metrics: string[]): ExpNode[] {
  return expressions.map((text) => {
    try {
      return parseExpression(new Reader(text), metrics);
    } catch (err) {
      // OpenTSDB 2.4.1: a 500; DSDB: 400 with the same message (docs/opentsdb-compat.md, divergence 10)
      if (err instanceof SyntaxError) throw new ApiError(400, `Failed to parse ${text}`);
      throw err;
    }
  });
}
