/**
 * Seeded random /api/query/exp requests for the differential test (docs/opentsdb-compat.md):
 * every join operator with and without useQueryTags/includeAggTags, fill policies per
 * metric, nested expressions, several outputs and aliases, downsampled or not, rate, filter
 * sets with groupBy, metrics without data in range or unknown, and bad expressions (syntax
 * errors, unknown inputs, self references) for the error answers.
 */
import { DS_AGGREGATORS, HOSTS, INTERVALS, Rng, type Dataset, type OracleRequest } from './generate';

const EXP_AGGREGATORS = ['sum', 'min', 'max', 'avg', 'count', 'zimsum', 'mimmax', 'dev', 'first', 'last', 'none'];
const IDS = ['a', 'b', 'c', 'm1', 'x', 'q', 'cpu', 'B2'];

function filterTag(rng: Rng): Record<string, unknown> {
  const tagk = rng.pick(['host', 'host', 'dc', 'uid']);
  const values = tagk === 'host' ? HOSTS : tagk === 'dc' ? ['lga', 'sjc'] : ['1', '2', '3'];
  const type = rng.pick(['literal_or', 'wildcard', 'wildcard', 'regexp', 'not_literal_or', 'iliteral_or']);
  const filter =
    type === 'wildcard' ? rng.pick(['*', '*', 'web*', '*1']) : type === 'regexp' ? rng.pick(['web0[12]', '.*', '^d', 'sj.']) : rng.subset(values).join('|');
  return { type, tagk, filter, groupBy: rng.chance(0.6) };
}

function fillPolicy(rng: Rng): Record<string, unknown> {
  const policy = rng.pick(['zero', 'nan', 'null', 'none', 'scalar', 'scalar']);
  return policy === 'scalar' ? { policy, value: rng.pick([1, -1, 0, 2.5, 100]) } : { policy };
}

function expr(rng: Rng, vars: string[], depth = 0): string {
  if (depth > 1 || rng.chance(0.3)) return rng.chance(0.8) || depth === 0 ? rng.pick(vars) : rng.pick(['2', '0.5', '10', '3', '0']);
  const op = rng.pick(['+', '-', '*', '/', '%', '+', '*']);
  const left = expr(rng, vars, depth + 1);
  const right = rng.chance(0.3) ? rng.pick(['2', '0.5', '100', '0', '7']) : expr(rng, vars, depth + 1);
  const e = `${left} ${op} ${right}`;
  return rng.chance(0.25) ? `(${e})` : e;
}

function badExpr(rng: Rng, vars: string[]): string {
  const v = rng.pick(vars);
  return rng.pick([`${v} +`, `(${v} * 2`, `${v} * * 2`, `${v} + )`, `* ${v}`, `${v} # 2`, `${v} + nosuch`, '3 + 4', '', `${v.toUpperCase()} + 1`]);
}

/** A random /api/query/exp request over the seed's data. */
export function randomExp(rng: Rng, d: Dataset): OracleRequest {
  const span = d.t1 - d.t0;
  let start = d.t0 + Math.floor(rng.next() * span * 0.6) - (rng.chance(0.2) ? 600_000 : 0);
  if (rng.chance(0.5)) start = Math.floor(start / 60_000) * 60_000;
  const end = Math.min(start + rng.int(5, 90) * 60_000 + (rng.chance(0.5) ? rng.int(0, 59_999) : 0), d.t1 + 600_000);
  const time: Record<string, unknown> = {
    start: rng.chance(0.5) && start % 1000 === 0 ? String(start / 1000) : start,
    end: rng.chance(0.5) && end % 1000 === 0 ? end / 1000 : String(end),
    aggregator: rng.pick(EXP_AGGREGATORS),
  };
  if (rng.chance(0.5)) {
    time.downsampler = { interval: rng.pick(INTERVALS.slice(0, 7)), aggregator: rng.pick(DS_AGGREGATORS.slice(0, 6)) };
    if (rng.chance(0.3)) (time.downsampler as Record<string, unknown>).fillPolicy = fillPolicy(rng);
  }
  if (rng.chance(0.15)) time.rate = true;
  const filters: Record<string, unknown>[] = [];
  const nf = rng.pick([0, 1, 1, 2]);
  for (let i = 0; i < nf; i++) filters.push({ id: `f${i + 1}`, tags: Array.from({ length: rng.int(1, 2) }, () => filterTag(rng)) });
  const ids = rng.subset(IDS.slice(0, 6), 1).slice(0, rng.int(1, 3));
  const metrics = ids.map((id) => {
    const m: Record<string, unknown> = { id, metric: rng.chance(0.05) ? 'oracle.names' : rng.chance(0.02) ? `${d.prefix}.nosuch` : rng.pick(d.metrics) };
    if (filters.length > 0 && rng.chance(0.7)) m.filter = rng.pick(filters).id;
    if (rng.chance(0.3)) m.aggregator = rng.pick(EXP_AGGREGATORS);
    if (rng.chance(0.5)) m.fillPolicy = fillPolicy(rng);
    return m;
  });
  const expressions: Record<string, unknown>[] = [];
  const ne = rng.int(1, 3);
  const vars = [...ids];
  for (let i = 0; i < ne; i++) {
    const id = `e${i + 1}`;
    const e: Record<string, unknown> = { id, expr: rng.chance(0.05) ? badExpr(rng, vars) : rng.chance(0.02) ? `${id} + 1` : expr(rng, vars) };
    if (rng.chance(0.85)) e.join = { operator: rng.pick(['union', 'intersection']), useQueryTags: rng.chance(0.3), includeAggTags: rng.chance(0.7) };
    if (rng.chance(0.2)) e.fillPolicy = fillPolicy(rng);
    expressions.push(e);
    // a later expression may use this one (nested)
    if (rng.chance(0.5)) vars.push(id);
  }
  const body: Record<string, unknown> = { time, metrics, expressions };
  if (filters.length > 0) body.filters = filters;
  if (rng.chance(0.6)) {
    const all = [...expressions.map((e) => e.id as string), ...ids];
    body.outputs = rng.subset(all, 1).map((id) => (rng.chance(0.3) ? { id, alias: rng.pick(['out', 'total of cpu', 'x@host']) } : { id }));
  }
  return { kind: 'exp', method: 'POST', path: '/api/query/exp', body };
}
