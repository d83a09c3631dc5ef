/**
 * The /api/query/exp request: OpenTSDB 2.4.1's `net.opentsdb.query.pojo.Query` read from
 * JSON (Jackson, unknown fields ignored), validated as Query.validate() does, and echoed as
 * Jackson writes the POJO back (`"query"` of the answer).
 *
 * Validation errors are OpenTSDB's messages; an element's own error is wrapped as
 * `Invalid metric at index 0` (Validatable.validateCollection), the timespan's as
 * `Invalid time`. OpenTSDB answers all of them with a 500 (thrown before the query runs).
 */
import { ApiError } from '../../../lib/opentsdb';
import type { Aggregator, Registry } from '../../../core';
import { createFilter, type TagFilter } from '../filters';
import { formatDouble } from '../serializer';
import { parseDateTime, parseDuration } from '../../../lib/opentsdb/time';
import { javaHashOrder } from './java-hash-order';
import { jexlVariables, parseJexl, type JexlNode } from './jexl';

export type ExpFillPolicyName = 'none' | 'nan' | 'null' | 'zero' | 'scalar';

/** NumericFillPolicy: what a missing or NaN value of a join input counts as. */
export interface ExpFillPolicy {
  policy: ExpFillPolicyName;
  value: number;
}

export interface ExpTimespan {
  start: string;
  end?: string;
  timezone?: string;
  downsampler?: { interval?: string; aggregator?: string; fillPolicy?: ExpFillPolicy };
  aggregator?: string;
  rate: boolean;
}

export interface ExpFilterSet {
  id?: string;
  tags?: TagFilter[];
  explicitTags: boolean;
}

export interface ExpMetric {
  id?: string;
  metric?: string;
  filter?: string;
  aggregator?: string;
  timeOffset?: string;
  fillPolicy?: ExpFillPolicy;
}

export interface ExpJoin {
  operator?: 'union' | 'intersection';
  useQueryTags: boolean;
  includeAggTags: boolean;
}

export interface ExpExpression {
  id?: string;
  expr?: string;
  join?: ExpJoin;
  fillPolicy?: ExpFillPolicy;
  /** set by validation */
  parsed?: JexlNode;
  variables?: string[];
}

export interface ExpOutput {
  id?: string;
  alias?: string;
}

export interface ExpQuery {
  name?: string;
  time?: ExpTimespan;
  filters?: ExpFilterSet[];
  metrics?: ExpMetric[];
  expressions?: ExpExpression[];
  outputs?: ExpOutput[];
}

type Json = Record<string, unknown>;

/**
 * An error thrown before the query runs: OpenTSDB 2.4.1 answers it with a 500 and the
 * message only; DSDB with a 400 and the same message, since it is the request's fault
 * (docs/opentsdb-compat.md, divergence 10).
 */
export const early = (message: string): ApiError => new ApiError(400, message);

const jsonError = (detail: string): ApiError => new ApiError(400, 'Unable to parse the given JSON', detail);

function text(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw jsonError(`${field} must be a string`);
}
const flag = (v: unknown, dflt: boolean): boolean => (v === undefined || v === null ? dflt : v === true || v === 'true');
const list = (v: unknown, field: string): Json[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw jsonError(`${field} must be an array`);
  return v.map((x) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw jsonError(`each of ${field} must be an object`);
    return x as Json;
  });
};
const obj = (v: unknown, field: string): Json | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw jsonError(`${field} must be an object`);
  return v as Json;
};

const POLICIES: readonly string[] = ['none', 'nan', 'null', 'zero', 'scalar'];

function fillPolicy(v: unknown, field: string): ExpFillPolicy | undefined {
  const o = obj(v, field);
  if (!o) return undefined;
  const name = text(o.policy, `${field}.policy`)?.toLowerCase();
  if (name !== undefined && !POLICIES.includes(name)) throw jsonError(`Unrecognized fill policy: ${name}`);
  const value = o.value === undefined || o.value === null ? 0 : Number(o.value);
  // the POJO's constructor validates it while Jackson reads the JSON
  const f: ExpFillPolicy = { policy: (name ?? '') as ExpFillPolicyName, value };
  try {
    validateFill(f);
  } catch (err) {
    throw jsonError((err as Error).message);
  }
  return f;
}

/** Reads the JSON body into the request POJOs (no validation yet). */
export function readExpQuery(json: Json): ExpQuery {
  const time = obj(json.time, 'time');
  const ds = obj(time?.downsampler, 'downsampler');
  return {
    name: text(json.name, 'name'),
    time: time && {
      start: text(time.start, 'start') ?? '',
      end: text(time.end, 'end'),
      timezone: text(time.timezone, 'timezone'),
      downsampler: ds && { interval: text(ds.interval, 'interval'), aggregator: text(ds.aggregator, 'aggregator'), fillPolicy: fillPolicy(ds.fillPolicy, 'fillPolicy') },
      aggregator: text(time.aggregator, 'aggregator'),
      rate: flag(time.rate, false),
    },
    filters: list(json.filters, 'filters')?.map((f) => ({
      id: text(f.id, 'id'),
      tags: list(f.tags, 'tags')?.map((t) => {
        try {
          return createFilter(text(t.type, 'type') ?? '', text(t.tagk, 'tagk') ?? '', text(t.filter, 'filter') ?? '', flag(t.groupBy ?? t.group_by, false));
        } catch (err) {
          throw jsonError((err as Error).message);
        }
      }),
      explicitTags: flag(f.explicitTags, false),
    })),
    metrics: list(json.metrics, 'metrics')?.map((m) => ({
      id: text(m.id, 'id'),
      metric: text(m.metric, 'metric'),
      filter: text(m.filter, 'filter'),
      aggregator: text(m.aggregator, 'aggregator'),
      timeOffset: text(m.timeOffset, 'timeOffset'),
      fillPolicy: fillPolicy(m.fillPolicy, 'fillPolicy'),
    })),
    expressions: list(json.expressions, 'expressions')?.map((e) => {
      const j = obj(e.join, 'join');
      const op = text(j?.operator, 'operator')?.toLowerCase();
      if (op !== undefined && op !== 'union' && op !== 'intersection') throw jsonError(`Unrecognized set operator: ${op}`);
      return {
        id: text(e.id, 'id'),
        expr: text(e.expr, 'expr'),
        join: j && { operator: op as ExpJoin['operator'], useQueryTags: flag(j.useQueryTags, false), includeAggTags: flag(j.includeAggTags, true) },
        fillPolicy: fillPolicy(e.fillPolicy, 'fillPolicy'),
      };
    }),
    outputs: list(json.outputs, 'outputs')?.map((o) => ({ id: text(o.id, 'id'), alias: text(o.alias, 'alias') })),
  };
}

class Invalid extends Error {}

/** Query.validateId: letters and digits only, not a lone digit. */
function validateId(id: string | undefined): void {
  if (!id) throw new Invalid('The ID cannot be null or empty');
  for (const c of id) if (!/[\p{L}\p{Nd}]/u.test(c)) throw new Invalid(`Invalid id ("${id}"): illegal character: ${c}`);
  if (id.length === 1 && /[0-9]/.test(id)) throw new Invalid('The ID cannot be an integer');
}

/** NumericFillPolicy.validate: the policy from the value when absent, NaN for none/nan/null. */
function validateFill(f: ExpFillPolicy): void {
  if (!f.policy) {
    f.policy = f.value === 0 ? 'zero' : Number.isNaN(f.value) ? 'nan' : 'scalar';
    return;
  }
  switch (f.policy) {
    case 'none':
    case 'nan':
      if (f.value !== 0 && !Number.isNaN(f.value)) throw new Invalid('The value for NONE and NAN must be NaN');
      f.value = NaN;
      break;
    case 'zero':
      if (f.value !== 0) throw new Invalid('The value for ZERO must be 0');
      break;
    case 'null':
      if (f.value !== 0 && !Number.isNaN(f.value)) throw new Invalid('The value for NULL must be 0');
      f.value = NaN;
      break;
  }
}

function validateAggregator(name: string | undefined, aggregators: Registry<Aggregator>, required: boolean): void {
  if (!name) {
    if (required) throw new Invalid('Missing or empty aggregator');
    return;
  }
  if (!aggregators.has(name.toLowerCase())) throw new Invalid('Invalid aggregator');
}

function validateTime(t: ExpTimespan, aggregators: Registry<Aggregator>, now: number): void {
  if (!t.start) throw new Invalid('missing or empty start');
  try {
    parseDateTime(t.start, t.timezone ?? 'UTC', now);
    if (t.end) parseDateTime(t.end, t.timezone ?? 'UTC', now);
  } catch {
    throw new Invalid('bad time');
  }
  const ds = t.downsampler;
  if (ds) {
    if (!ds.interval) throw new Invalid('Missing or empty interval');
    try {
      parseDuration(ds.interval);
    } catch {
      throw new Invalid('bad interval');
    }
    validateAggregator(ds.aggregator, aggregators, true);
  }
  validateAggregator(t.aggregator, aggregators, true);
}

function each<T>(items: readonly T[], name: string, check: (item: T) => void): void {
  items.forEach((item, i) => {
    try {
      check(item);
    } catch (err) {
      if (err instanceof Invalid) throw early(`Invalid ${name} at index ${i}`);
      throw err;
    }
  });
}

/**
 * Query.validate(): throws the 500 OpenTSDB answers for an invalid request; parses the
 * expressions (a JEXL syntax error is JEXL's own message, not wrapped).
 */
export function validateExpQuery(q: ExpQuery, aggregators: Registry<Aggregator>, now = Date.now()): void {
  if (!q.time) throw early('missing time');
  try {
    validateTime(q.time, aggregators, now);
  } catch (err) {
    if (err instanceof Invalid) throw early('Invalid time');
    throw err;
  }
  if (!q.metrics || q.metrics.length === 0) throw early('missing or empty metrics');
  const variableIds = new Set<string | undefined>();
  for (const m of q.metrics) {
    if (variableIds.has(m.id)) throw early(`duplicated metric id: ${m.id}`);
    variableIds.add(m.id);
  }
  const filterIds = new Set<string | undefined>();
  for (const f of q.filters ?? []) {
    if (filterIds.has(f.id)) throw early(`duplicated filter id: ${f.id}`);
    filterIds.add(f.id);
  }
  for (const e of q.expressions ?? []) {
    if (variableIds.has(e.id)) throw early(`Duplicated variable or expression id: ${e.id}`);
    variableIds.add(e.id);
  }
  each(q.metrics, 'metric', (m) => {
    if (!m.metric) throw new Invalid('missing or empty metric');
    if (!m.id) throw new Invalid('missing or empty id');
    validateId(m.id);
    if (m.timeOffset !== undefined) {
      try {
        parseDateTime(m.timeOffset, 'UTC', now);
      } catch {
        throw new Invalid('bad offset');
      }
    }
    validateAggregator(m.aggregator, aggregators, false);
  });
  each(q.filters ?? [], 'filter', (f) => validateId(f.id));
  const validateExpression = (e: ExpExpression): void => {
    if (!e.id) throw new Invalid('missing or empty id');
    validateId(e.id);
    if (!e.expr) throw new Invalid('missing or empty expr');
    try {
      e.parsed = parseJexl(e.expr);
    } catch (err) {
      throw early((err as Error).message);
    }
    e.variables = jexlVariables(e.parsed);
    e.join ??= { operator: 'union', useQueryTags: false, includeAggTags: true };
  };
  each(q.expressions ?? [], 'expression', validateExpression);
  if (q.filters) {
    for (const m of q.metrics) {
      if (m.filter && !filterIds.has(m.filter)) throw early(`unrecognized filter id ${m.filter} in metric ${m.id}`);
    }
  }
  if (q.expressions) {
    each(q.expressions, 'expression', validateExpression);
    for (const e of q.expressions) {
      // the variables are a HashSet: the first missing one in its order is named
      for (const v of javaHashOrder(e.variables!)) if (!variableIds.has(v)) throw early(`Expression [${e.expr}] was missing input ${v}`);
    }
  }
}

const s = (v: string | undefined): string => (v === undefined ? 'null' : JSON.stringify(v));
const fill = (f: ExpFillPolicy | undefined): string => (f ? `{"policy":${s(f.policy || undefined)},"value":${formatDouble(f.value)}}` : 'null');
const arr = <T>(items: readonly T[] | undefined, one: (x: T) => string): string => (items ? `[${items.map(one).join(',')}]` : 'null');

/** The request as Jackson writes the Query POJO: every property, null when unset. */
export function expQueryEcho(q: ExpQuery): string {
  const t = q.time!;
  const ds = t.downsampler;
  const time = `{"start":${s(t.start)},"end":${s(t.end)},"timezone":${s(t.timezone)},"downsampler":${
    ds ? `{"interval":${s(ds.interval)},"aggregator":${s(ds.aggregator)},"fillPolicy":${fill(ds.fillPolicy)}}` : 'null'
  },"aggregator":${s(t.aggregator)},"rate":${t.rate}}`;
  const filters = arr(q.filters, (f) => `{"id":${s(f.id)},"tags":${arr(f.tags, (x) => JSON.stringify({ tagk: x.tagk, filter: x.filter, group_by: x.groupBy, type: x.type }))},"explicitTags":${f.explicitTags}}`);
  const metrics = arr(q.metrics, (m) => `{"metric":${s(m.metric)},"id":${s(m.id)},"filter":${s(m.filter)},"aggregator":${s(m.aggregator)},"timeOffset":${s(m.timeOffset)},"fillPolicy":${fill(m.fillPolicy)}}`);
  const expressions = arr(q.expressions, (e) => {
    const j = e.join;
    const join = j ? `{"operator":${s(j.operator)},"useQueryTags":${j.useQueryTags},"includeAggTags":${j.includeAggTags}}` : 'null';
    return `{"id":${s(e.id)},"expr":${s(e.expr)},"join":${join},"fillPolicy":${fill(e.fillPolicy)}}`;
  });
  const outputs = arr(q.outputs, (o) => `{"id":${s(o.id)},"alias":${s(o.alias)}}`);
  return `{"name":${s(q.name)},"time":${time},"filters":${filters},"metrics":${metrics},"expressions":${expressions},"outputs":${outputs}}`;
}
