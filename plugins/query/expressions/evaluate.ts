/**
 * Evaluates a parsed gexp tree as ExpressionTree.evaluate does: the sub-expression and
 * metric-query parameters are handed to the function in their order (the plain NAME
 * parameters are the function's own arguments), a metric query being the result of the
 * sub-query at ITS index in the request's list of sub-queries — which OpenTSDB builds as
 * the `m=` ones first and then the expressions' own, duplicates removed; the index does not
 * account for either (kept: `m=sum:a&exp=scale(sum:b,2)` scales `a`).
 */
import type { TimeSlice } from '../../../core';
import type { TsQuery } from '../model';
import { expError } from './errors';
import type { ExpNode } from './gexp-parser';
import { absolute, alias, movingAverage, scale, timeShift } from './per-series';
import { combineSeries } from './series-math';
import type { ExpSeries } from './series';
import { highest } from './top-n';

type Fn = (inputs: ExpSeries[][], params: string[], query: TsQuery, slice: TimeSlice) => ExpSeries[] | Promise<ExpSeries[]>;

const FUNCTIONS: Record<string, Fn> = {
  sum: (i) => combineSeries('+', i),
  sumSeries: (i) => combineSeries('+', i),
  difference: (i) => combineSeries('-', i),
  diffSeries: (i) => combineSeries('-', i),
  multiply: (i) => combineSeries('*', i),
  multiplySeries: (i) => combineSeries('*', i),
  divide: (i) => combineSeries('/', i),
  divideSeries: (i) => combineSeries('/', i),
  scale: (i, p) => scale(i, p),
  absolute: (i) => absolute(i),
  alias: (i, p) => alias(i, p),
  movingAverage: (i, p, q) => movingAverage(i, p, q),
  highestCurrent: (i, p, q, s) => highest('current', i, p, q, s),
  highestMax: (i, p, q, s) => highest('max', i, p, q, s),
  timeShift: (i, p) => timeShift(i, p),
  shift: (i, p) => timeShift(i, p),
};

/**
 * Asynchronous: between functions, and inside those that cost more than their points
 * (highestCurrent/highestMax aggregate across series), it yields to the event loop when
 * `slice` (the query's budget) is used up, and stops past the query's deadline.
 */
export async function evaluateGexp(node: ExpNode, results: readonly ExpSeries[][], query: TsQuery, slice: TimeSlice): Promise<ExpSeries[]> {
  const inputs: ExpSeries[][] = [];
  const metricKeys = node.params.flatMap((p) => (p.kind === 'metric' ? [p.index] : [])).sort((a, b) => a - b);
  const subExpressions = node.params.flatMap((p) => (p.kind === 'exp' ? [p.node] : []));
  const count = metricKeys.length + subExpressions.length;
  let metricPointer = 0;
  let subPointer = 0;
  for (let i = 0; i < count; i++) {
    const p = node.params[i]!;
    if (p.kind === 'metric') {
      const ix = metricKeys[metricPointer++]!;
      if (ix >= results.length) throw expError(`Index ${ix} out of bounds for length ${results.length}`);
      inputs.push(results[ix]!);
    } else if (p.kind === 'exp') {
      inputs.push(await evaluateGexp(subExpressions[subPointer++]!, results, query, slice));
    } else {
      throw expError(`Unknown parameter type: null in tree: ${node.fn}(...)`);
    }
  }
  const params = node.params.flatMap((p) => (p.kind === 'name' ? [p.text] : []));
  if (slice.due()) await slice.pause();
  return FUNCTIONS[node.fn]!(inputs, params, query, slice);
}
