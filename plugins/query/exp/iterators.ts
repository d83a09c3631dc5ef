/**
 * A port of OpenTSDB 2.4.1's expression iterators (src/query/expression/): the
 * TimeSyncedIterator over one metric's series, the UnionIterator and IntersectionIterator
 * that join the inputs of an expression by their tags, and the ExpressionIterator that
 * evaluates the JEXL expression at every timestamp. Kept as close to the Java as possible,
 * quirks included, since /api/query/exp's answer is whatever these produce:
 * - the join key is the series' tags (only the sub-query's filter tag keys with
 *   `useQueryTags`, then the aggregated tag keys with `includeAggTags`); a series without
 *   tags joins on the empty key whatever its aggregated tags;
 * - a union fills a missing input with 0 (its own fill policy, never set), a metric's
 *   series is read at the union's timestamps and filled (the metric's fill policy, zero by
 *   default) where it has no point there, a NaN value takes that fill value too;
 * - a nested expression steps once per step of its parent whatever the timestamps, so a
 *   parent with more timestamps fails with `No more data`; its copy has no fill policy, so a
 *   NaN from it fails with a NullPointerException;
 * - the inputs are visited in Java HashMap order (java-hash-order.ts), which decides
 *   whose tags a joined series carries.
 */
import { ExpDataPoint, JavaNpe } from './data-point';
import { javaHashOrder } from './java-hash-order';
import { evaluateJexl, type JexlNode } from './jexl';

/** OpenTSDB's IllegalDataException and IllegalArgumentException messages. */
export class ExpRuntimeError extends Error {}

/** One series of a sub-query result: all the points of the rows read, ms timestamps. */
export interface ExpInputSeries {
  metric: string;
  tags: Record<string, string>;
  aggregateTags: string[];
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  /** the request's tag name UIDs (see ExpDataPoint.uids) */
  uids?: ReadonlyMap<string, string>;
}

export interface SyncedIterator {
  readonly id: string;
  index: number;
  fill: number | undefined;
  values(): (ExpDataPoint | null)[];
  size(): number;
  hasNext(): boolean;
  nextTimestamp(): number;
  next(timestamp: number): void;
  nullIterator(i: number): void;
  queryTagKs(): Set<string> | null;
  copy(): SyncedIterator;
  describe(): string;
}

const LONG_MAX = Number.MAX_SAFE_INTEGER;

export class TimeSyncedIterator implements SyncedIterator {
  index = 0;
  private readonly cursor: number[];
  private readonly current: boolean[];
  private readonly emitters: (ExpDataPoint | null)[];

  constructor(
    readonly id: string,
    private readonly tagKs: Set<string> | null,
    readonly series: readonly ExpInputSeries[],
    public fill: number | undefined = 0,
  ) {
    this.cursor = series.map(() => 0);
    this.current = series.map((s) => s.timestamps.length > 0);
    this.emitters = series.map((s, i) => {
      if (s.timestamps.length === 0) return null;
      const dp = new ExpDataPoint({ metrics: [s.metric], tags: Object.entries(s.tags), aggTags: s.aggregateTags, uids: s.uids });
      dp.index = i;
      return dp;
    });
  }

  values(): (ExpDataPoint | null)[] {
    return this.emitters;
  }
  size(): number {
    return this.series.length;
  }
  hasNext(): boolean {
    for (let i = 0; i < this.current.length; i++) if (this.current[i]) return true;
    return false;
  }
  nextTimestamp(): number {
    let ts = LONG_MAX;
    for (let i = 0; i < this.series.length; i++) {
      if (this.current[i]) ts = Math.min(ts, this.series[i]!.timestamps[this.cursor[i]!]!);
    }
    return ts;
  }
  next(timestamp: number): void {
    for (let i = 0; i < this.series.length; i++) {
      const e = this.emitters[i];
      if (!this.current[i] || this.series[i]!.timestamps[this.cursor[i]!]! > timestamp) {
        if (!e) throw new JavaNpe('Cannot invoke "net.opentsdb.query.expression.ExpressionDataPoint.reset(long, double)" because "this.emitter_values[i]" is null');
        e.reset(timestamp, this.fill ?? NaN);
        continue;
      }
      const s = this.series[i]!;
      e!.reset(s.timestamps[this.cursor[i]!]!, s.values[this.cursor[i]!]!);
      this.cursor[i]!++;
      if (this.cursor[i]! >= s.timestamps.length) this.current[i] = false;
    }
  }
  nullIterator(i: number): void {
    this.current[i] = false;
  }
  queryTagKs(): Set<string> | null {
    return this.tagKs;
  }
  copy(): SyncedIterator {
    return new TimeSyncedIterator(this.id, this.tagKs, this.series, this.fill);
  }
  describe(): string {
    return `TimeSyncedIterator(id=${this.id}, index=${this.index}, dpsSize=${this.series.length})`;
  }
}

/**
 * flattenTags: the join key. With the tag names' UIDs, OpenTSDB's bytes (in hex): the
 * (key UID, value UID) pairs in key UID order, then the aggregated tags' key UIDs in order
 * — so keys sort as OpenTSDB's ByteMap sorts them, a shorter key before the longer one it
 * starts, and a tag value's UID may meet a tag key's. Without UIDs, the names
 * (NUL-separated), which sort as UIDs assigned in name order would.
 */
function joinKey(dp: ExpDataPoint, useQueryTags: boolean, includeAggTags: boolean, sub: SyncedIterator): string {
  if (dp.tags.size === 0) return '';
  const queryTagKs = useQueryTags ? (sub.queryTagKs() ?? new Set<string>()) : undefined;
  const uids = dp.uids;
  if (uids) {
    const pairs: string[] = [];
    for (const [k, v] of dp.tags) if (!queryTagKs || queryTagKs.has(k)) pairs.push(uids.get(`k\u0000${k}`)! + uids.get(`v\u0000${v}`)!);
    let key = pairs.sort().join('');
    if (includeAggTags) key += [...dp.aggTags].map((t) => uids.get(`k\u0000${t}`)!).sort().join('');
    return key;
  }
  const parts: string[] = [];
  for (const k of [...dp.tags.keys()].sort()) {
    if (queryTagKs && !queryTagKs.has(k)) continue;
    parts.push(k, dp.tags.get(k)!);
  }
  if (includeAggTags) parts.push(...[...dp.aggTags].sort());
  return parts.join('\u0000');
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What UnionIterator and IntersectionIterator share: the inputs in HashMap order, stepping together. */
abstract class JoinIterator {
  /** the inputs by id, in the order HashMap(results.size()) iterates them */
  protected readonly queries: SyncedIterator[];
  /** current_values: per input id, its column for each joined series */
  readonly results = new Map<string, (ExpDataPoint | null)[]>();
  seriesSize = 0;
  protected timestamp = LONG_MAX;

  constructor(
    readonly id: string,
    inputs: readonly SyncedIterator[],
    protected readonly useQueryTags: boolean,
    protected readonly includeAggTags: boolean,
    protected readonly kind: string,
  ) {
    inputs.forEach((it, i) => (it.index = i));
    const order = javaHashOrder(
      inputs.map((x) => x.id),
      inputs.length,
    );
    this.queries = order.map((id) => inputs.find((x) => x.id === id)!);
  }

  protected start(): void {
    for (const it of this.queries) this.timestamp = Math.min(this.timestamp, it.nextTimestamp());
  }

  protected key(dp: ExpDataPoint | null, sub: SyncedIterator, where: string): string {
    if (!dp) throw new JavaNpe(`Cannot invoke "net.opentsdb.query.expression.ExpressionDataPoint.${where}" because ${this.kind === 'union' ? '"dp"' : '"dps[i]"'} is null`);
    return joinKey(dp, this.useQueryTags, this.includeAggTags, sub);
  }

  /** setCurrentAndMeta: the joined series in key order, one column per input. */
  protected setCurrent(joined: Map<string, (ExpDataPoint | null)[]>): void {
    const keys = [...joined.keys()].sort(byKey);
    for (const q of this.queries) this.results.set(q.id, new Array(keys.length).fill(null));
    keys.forEach((k, i) => {
      const row = joined.get(k)!;
      for (const q of this.queries) this.results.get(q.id)![i] = row[q.index] ?? null;
    });
    this.seriesSize = keys.length;
  }

  hasNext(): boolean {
    for (const q of this.queries) if (q.hasNext()) return true;
    return false;
  }

  nextTimestamp(): number {
    let ts = LONG_MAX;
    for (const q of this.queries) ts = Math.min(ts, q.nextTimestamp());
    return ts;
  }

  next(): void {
    if (!this.hasNext()) throw new ExpRuntimeError('No more data');
    for (const q of this.queries) q.next(this.timestamp);
    this.afterStep(this.timestamp);
    this.timestamp = this.nextTimestamp();
  }

  protected afterStep(_timestamp: number): void {}

  /** `{a=TimeSyncedIterator(…), b=…}` as HashMap.toString lists the inputs */
  protected describeQueries(): string {
    return `{${this.queries.map((q) => `${q.id}=${q.describe()}`).join(', ')}}`;
  }

  abstract describe(): string;
}

export class UnionIterator extends JoinIterator {
  private readonly fillDp = new ExpDataPoint();

  constructor(id: string, inputs: readonly SyncedIterator[], useQueryTags: boolean, includeAggTags: boolean) {
    super(id, inputs, useQueryTags, includeAggTags, 'union');
    const joined = new Map<string, (ExpDataPoint | null)[]>();
    for (const sub of this.queries) {
      const dps = sub.values();
      for (let i = 0; i < sub.size(); i++) {
        const key = this.key(dps[i] ?? null, sub, 'tags()');
        let row = joined.get(key);
        if (!row) joined.set(key, (row = new Array(this.queries.length).fill(null)));
        row[sub.index] = dps[i]!;
      }
    }
    if (joined.size > 0) {
      this.setCurrent(joined);
      for (const col of this.results.values()) for (let i = 0; i < col.length; i++) col[i] ??= this.fillDp;
    }
    this.start();
  }

  protected override afterStep(timestamp: number): void {
    // its fill policy is ZERO and nothing sets another
    this.fillDp.reset(timestamp, 0);
  }

  describe(): string {
    return `UnionIterator(id=${this.id}, useQueryTags=${this.useQueryTags}, includeAggTags=${this.includeAggTags}, index=0, queries=${this.describeQueries()}`;
  }
}

export class IntersectionIterator extends JoinIterator {
  constructor(id: string, inputs: readonly SyncedIterator[], useQueryTags: boolean, includeAggTags: boolean) {
    super(id, inputs, useQueryTags, includeAggTags, 'intersection');
    if (Math.max(0, ...this.queries.map((q) => q.values().length)) < 1) return;
    this.computeIntersection();
    this.start();
  }

  private computeIntersection(): void {
    const joined = new Map<string, (ExpDataPoint | null)[]>();
    const flattened = new Map<string, Map<string, number>>();
    const [first, ...rest] = this.queries;
    let tags = new Map<string, number>();
    flattened.set(first!.id, tags);
    let dps = first!.values();
    for (let i = 0; i < first!.size(); i++) {
      const key = this.key(dps[i] ?? null, first!, 'tags()');
      tags.set(key, i);
      const row: (ExpDataPoint | null)[] = new Array(this.queries.length).fill(null);
      row[first!.index] = dps[i]!;
      joined.set(key, row);
    }
    for (const sub of rest) {
      tags = new Map<string, number>();
      flattened.set(sub.id, tags);
      dps = sub.values();
      for (let i = 0; i < sub.size(); i++) {
        const key = this.key(dps[i] ?? null, sub, 'tags()');
        tags.set(key, i);
        const row = joined.get(key);
        if (!row) {
          sub.nullIterator(i);
          continue;
        }
        row[sub.index] = dps[i]!;
      }
      for (const key of [...joined.keys()].sort(byKey)) {
        if (tags.has(key)) continue;
        // flattened_tags is a HashMap too; nulling is order-free
        for (const [id, m] of flattened) {
          if (id === sub.id) continue;
          const index = m.get(key);
          if (index !== undefined) this.queries.find((q) => q.id === id)!.nullIterator(index);
        }
        joined.delete(key);
      }
    }
    if (rest.length > 0 && joined.size < 1) throw new ExpRuntimeError(`No intersections found: ${this.describe()}`);
    this.setCurrent(joined);
  }

  describe(): string {
    return `IntersectionIterator(id=${this.id}, useQueryTags=${this.useQueryTags}, includeAggTags=${this.includeAggTags}, index=0, queries=${this.describeQueries()}`;
  }
}

export interface ExpressionSpec {
  id: string;
  expr: string;
  tree: JexlNode;
  variables: readonly string[];
  operator: 'union' | 'intersection';
  useQueryTags: boolean;
  includeAggTags: boolean;
}

export class ExpressionIterator implements SyncedIterator {
  index = 0;
  /** results: the inputs by variable id, insertion order (iterated in HashMap order) */
  readonly inputs = new Map<string, SyncedIterator>();
  private join: JoinIterator | undefined;
  private dps: ExpDataPoint[] = [];
  private readonly names: string[];
  /** the JEXL context, reused for every row */
  private readonly vars = new Map<string, number>();

  /** `fill`: the expression's fill policy value; a copy has none (Java leaves it null). */
  constructor(
    readonly spec: ExpressionSpec,
    public fill: number | undefined = NaN,
  ) {
    this.names = javaHashOrder(spec.variables);
  }

  get id(): string {
    return this.spec.id;
  }

  addResults(id: string, it: SyncedIterator): void {
    this.inputs.set(id, it);
  }

  compile(): void {
    if (this.inputs.size < 1) throw new ExpRuntimeError(`No results for any variables in the expression: ${this.describe()}`);
    if (this.inputs.size < this.names.length) {
      throw new ExpRuntimeError(`Not enough query results [${this.inputs.size} total results found] for the expression variables [${this.names.length} expected] ${this.describe()}`);
    }
    for (const v of this.names) {
      const it = this.inputs.get(v.toLowerCase());
      if (!it) throw new ExpRuntimeError(`Missing results for variable ${v}`);
      if (it instanceof ExpressionIterator) it.compile();
    }
    const inputs = javaHashOrder([...this.inputs.keys()]).map((k) => this.inputs.get(k)!);
    this.join =
      this.spec.operator === 'intersection'
        ? new IntersectionIterator(this.id, inputs, this.spec.useQueryTags, this.spec.includeAggTags)
        : new UnionIterator(this.id, inputs, this.spec.useQueryTags, this.spec.includeAggTags);
    const columns = [...this.join.results.values()];
    this.dps = [];
    for (let i = 0; i < this.join.seriesSize; i++) {
      const [first, ...others] = columns;
      const dp = first?.[i] ? ExpDataPoint.copyOf(first[i]!) : new ExpDataPoint();
      for (const col of others) if (col[i]) dp.add(col[i]!);
      this.dps.push(dp);
    }
  }

  values(): ExpDataPoint[] {
    return this.dps;
  }
  size(): number {
    return this.dps.length;
  }
  hasNext(): boolean {
    return this.join!.hasNext();
  }
  nextTimestamp(): number {
    return this.join!.nextTimestamp();
  }
  nullIterator(i: number): void {
    if (i < 0 || i >= this.dps.length) throw new ExpRuntimeError('Index out of bounds');
  }
  queryTagKs(): Set<string> | null {
    return null;
  }

  /** next(timestamp): one step of the join, the expression evaluated for every series. */
  next(timestamp: number): void {
    const join = this.join!;
    join.next();
    const vars = this.vars;
    for (let i = 0; i < join.seriesSize; i++) {
      for (const v of this.names) {
        const dp = join.results.get(v)![i];
        const input = this.inputs.get(v)!;
        const value = dp ? dp.value : NaN;
        if (!dp || Number.isNaN(value)) {
          if (input.fill === undefined) {
            throw new JavaNpe('Cannot invoke "net.opentsdb.query.expression.NumericFillPolicy.getValue()" because the return value of "net.opentsdb.query.expression.ITimeSyncedIterator.getFillPolicy()" is null');
          }
          vars.set(v, input.fill);
        } else vars.set(v, value);
      }
      const result = evaluateJexl(this.spec.tree, vars);
      if (result === undefined) throw new ExpRuntimeError(`Expression returned a result of type: java.lang.Integer for ${this.describe()}`);
      this.dps[i]!.reset(timestamp, result);
    }
  }

  copy(): SyncedIterator {
    const c = new ExpressionIterator(this.spec);
    c.fill = undefined; // the copy constructor leaves fill_policy null
    for (const [id, it] of this.inputs) c.addResults(id, it.copy());
    return c;
  }

  /**
   * toString() as Java writes it. `dps` prints as the array's identity hash, which differs
   * on every run of OpenTSDB: DSDB writes `@0` (the oracle comparison masks the hash).
   */
  describe(): string {
    const fill = this.fill === undefined ? 'null' : `policy=${this.fill === 0 ? 'ZERO' : Number.isNaN(this.fill) ? 'NOT_A_NUMBER' : 'SCALAR'}, value=${this.fill}`;
    const results = `{${javaHashOrder([...this.inputs.keys()])
      .map((k) => `${k}=${this.inputs.get(k)!.describe()}`)
      .join(', ')}}`;
    return (
      `ExpressionIterator(id=${this.id}, expression="${this.spec.expr}, setOperator=${this.spec.operator.toUpperCase()}, fillPolicy=${fill}, ` +
      `intersectOnQueryTagks=${this.spec.useQueryTags}, includeAggTags=${this.spec.includeAggTags}, index=${this.index}", VariableIterator=${this.join ? this.join.describe() : 'null'}, ` +
      `dps=${this.join ? '[Lnet.opentsdb.query.expression.ExpressionDataPoint;@0' : 'null'}, results=${results})`
    );
  }
}
