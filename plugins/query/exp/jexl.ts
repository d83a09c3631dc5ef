/**
 * The part of JEXL 2 (commons-jexl 2.1, OpenTSDB 2.4.1's expression language for
 * /api/query/exp) that expressions over series use: numbers, variables (metric and
 * expression ids), `+ - * / %`, unary minus, comparisons and parentheses, evaluated with
 * JEXL's lenient arithmetic (a division or modulo by zero gives 0.0; integer literals stay
 * integers until they meet a double, `7 / 2` is 3). Anything else JEXL would parse
 * (keywords, dotted names, ternaries, strings) is refused as a parse error here.
 *
 * Errors carry JEXL's messages as OpenTSDB forwards them:
 * `net.opentsdb.query.pojo.Expression.validate@1:COL parsing error in 'EXPR'`, COL being
 * the offending token's column (1-based), or at the end the last token's last column;
 * `…@1:COL tokenization error in 'EXPR'` for a character JEXL has no token for.
 */

export type JexlNode =
  | { kind: 'num'; value: number; int: boolean }
  | { kind: 'var'; name: string }
  | { kind: 'neg'; arg: JexlNode }
  | { kind: 'bin'; op: string; left: JexlNode; right: JexlNode };

export class JexlError extends Error {}

interface Token {
  type: 'num' | 'id' | 'op' | 'eof';
  text: string;
  /** 1-based begin and end columns */
  begin: number;
  end: number;
}

/** JEXL 2's reserved words: as a name they are a parse error. */
const KEYWORDS = new Set(['or', 'and', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'div', 'mod', 'not', 'null', 'true', 'false', 'new', 'empty', 'size', 'if', 'else', 'for', 'foreach', 'while', 'var', 'return', 'in', 'function']);
const OPERATORS = ['>=', '<=', '==', '!=', '&&', '||', '=~', '!~', '+', '-', '*', '/', '%', '(', ')', '<', '>', '!', '=', '?', ':', ',', '.', ';', '[', ']', '{', '}', '&', '|', '^', '~'];

const where = (col: number): string => `net.opentsdb.query.pojo.Expression.validate@1:${col}`;

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      while (i < expr.length && /[0-9]/.test(expr[i]!)) i++;
      if (expr[i] === '.' && /[0-9]/.test(expr[i + 1] ?? '')) {
        i++;
        while (i < expr.length && /[0-9]/.test(expr[i]!)) i++;
      }
      out.push({ type: 'num', text: expr.slice(start, i), begin: start + 1, end: i });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      while (i < expr.length && /[A-Za-z0-9_$]/.test(expr[i]!)) i++;
      out.push({ type: 'id', text: expr.slice(start, i), begin: start + 1, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => expr.startsWith(o, i));
    if (!op) throw new JexlError(`${where(start + 2)} tokenization error in '${expr}'`);
    i += op.length;
    out.push({ type: 'op', text: op, begin: start + 1, end: i });
  }
  const last = out[out.length - 1];
  out.push({ type: 'eof', text: '', begin: last ? last.end : 1, end: last ? last.end : 1 });
  return out;
}

/**
 * The deepest expression accepted: parentheses and unary minus nested, and the operator tree
 * (a chain `a + b + …` is as deep as it has terms). The parser, the variable walk and the
 * evaluator recurse over the tree; past this bound a request is a 400 naming the bound, not a
 * stack overflow. OpenTSDB sets no bound (its JEXL parser overflows its own stack sooner or later).
 */
export const MAX_EXPRESSION_DEPTH = 1000;

const LEVELS: string[][] = [['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

/** Parses one JEXL expression; throws JexlError with JEXL's message. */
export function parseJexl(expr: string): JexlNode {
  const tokens = tokenize(expr);
  let pos = 0;
  const fail = (t: Token): never => {
    throw new JexlError(`${where(t.begin)} parsing error in '${expr}'`);
  };
  const tooDeep = (): never => {
    throw new JexlError(`The expression is nested deeper than ${MAX_EXPRESSION_DEPTH} levels (parentheses, unary minus or operators in a row): '${expr.length > 100 ? `${expr.slice(0, 100)}…` : expr}'`);
  };
  // open parentheses and unary minus around the token being read
  let nesting = 0;
  const level = (n: number): JexlNode => {
    if (n === LEVELS.length) return unary();
    let left = level(n + 1);
    for (;;) {
      const t = tokens[pos]!;
      if (t.type !== 'op' || !LEVELS[n]!.includes(t.text)) return left;
      pos++;
      left = { kind: 'bin', op: t.text, left, right: level(n + 1) };
      if (depthOf(left) > MAX_EXPRESSION_DEPTH) tooDeep();
    }
  };
  const unary = (): JexlNode => {
    const t = tokens[pos]!;
    if (t.type === 'op' && t.text === '-') {
      pos++;
      if (++nesting > MAX_EXPRESSION_DEPTH) tooDeep();
      const arg = unary();
      nesting--;
      return { kind: 'neg', arg };
    }
    return primary();
  };
  const primary = (): JexlNode => {
    const t = tokens[pos]!;
    if (t.type === 'num') {
      pos++;
      return { kind: 'num', value: Number(t.text), int: !t.text.includes('.') };
    }
    if (t.type === 'id') {
      if (KEYWORDS.has(t.text)) fail(t);
      pos++;
      return { kind: 'var', name: t.text };
    }
    if (t.type === 'op' && t.text === '(') {
      pos++;
      if (++nesting > MAX_EXPRESSION_DEPTH) tooDeep();
      const inner = level(0);
      nesting--;
      const close = tokens[pos]!;
      if (close.type !== 'op' || close.text !== ')') fail(close);
      pos++;
      return inner;
    }
    return fail(t);
  };
  const tree = level(0);
  const t = tokens[pos]!;
  if (t.type !== 'eof' && !(t.type === 'op' && t.text === ';' && tokens[pos + 1]!.type === 'eof')) fail(t);
  return tree;
}

/** The depth of a node's tree, memoised on the nodes the parser builds (a chain is built node by node). */
const depths = new WeakMap<JexlNode, number>();
function depthOf(node: JexlNode): number {
  switch (node.kind) {
    case 'num':
    case 'var':
      return 1;
    case 'neg':
      return depths.get(node) ?? cacheDepth(node, 1 + depthOf(node.arg));
    case 'bin':
      return depths.get(node) ?? cacheDepth(node, 1 + Math.max(depthOf(node.left), depthOf(node.right)));
  }
}
function cacheDepth(node: JexlNode, depth: number): number {
  depths.set(node, depth);
  return depth;
}

/** The variable names an expression reads, in first-seen order (JexlEngine.getVariables). */
export function jexlVariables(node: JexlNode, out: string[] = []): string[] {
  switch (node.kind) {
    case 'var':
      if (!out.includes(node.name)) out.push(node.name);
      break;
    case 'neg':
      jexlVariables(node.arg, out);
      break;
    case 'bin':
      jexlVariables(node.left, out);
      jexlVariables(node.right, out);
      break;
  }
  return out;
}

/** A JEXL value: a number that is an Integer/Long (int) or a Double, or a Boolean. */
interface Value {
  v: number;
  int: boolean;
  bool?: boolean;
}

const truncInt = (x: number): number => (x < 0 ? Math.ceil(x) : Math.floor(x));

function arithmetic(op: string, a: Value, b: Value): Value {
  const int = a.int && b.int;
  switch (op) {
    case '+':
      return { v: a.v + b.v, int };
    case '-':
      return { v: a.v - b.v, int };
    case '*':
      return { v: a.v * b.v, int };
    case '/':
      // lenient JEXL: an ArithmeticException (division by zero) evaluates to 0.0
      if (b.v === 0) return { v: 0, int: false };
      return int ? { v: truncInt(a.v / b.v), int } : { v: a.v / b.v, int };
    case '%':
      if (b.v === 0) return { v: 0, int: false };
      return { v: a.v % b.v, int };
    case '==':
      return { v: a.v === b.v ? 1 : 0, int: false, bool: true };
    case '!=':
      return { v: a.v !== b.v ? 1 : 0, int: false, bool: true };
    case '<':
      return { v: a.v < b.v ? 1 : 0, int: false, bool: true };
    case '>':
      return { v: a.v > b.v ? 1 : 0, int: false, bool: true };
    case '<=':
      return { v: a.v <= b.v ? 1 : 0, int: false, bool: true };
    default:
      return { v: a.v >= b.v ? 1 : 0, int: false, bool: true };
  }
}

function evalNode(node: JexlNode, vars: ReadonlyMap<string, number>): Value {
  switch (node.kind) {
    case 'num':
      return { v: node.value, int: node.int };
    case 'var':
      return { v: vars.get(node.name) ?? NaN, int: false };
    case 'neg': {
      const x = evalNode(node.arg, vars);
      return { v: -x.v, int: x.int };
    }
    case 'bin':
      return arithmetic(node.op, evalNode(node.left, vars), evalNode(node.right, vars));
  }
}

/**
 * Evaluates with the variables bound to doubles. ExpressionIterator takes a Double as is and
 * a Boolean as 1 or 0; any other result type fails the query (`undefined` here).
 */
export function evaluateJexl(node: JexlNode, vars: ReadonlyMap<string, number>): number | undefined {
  const r = evalNode(node, vars);
  if (r.int && !r.bool) return undefined;
  return r.v;
}
