/**
 * OpenTSDB 2.4's rollup configuration (`tsd.rollups.config`: RollupConfig and
 * RollupInterval), validated as OpenTSDB validates it, with its messages:
 *
 *   { "aggregationIds": { "sum": 0, "count": 1, "min": 2, "max": 3 },
 *     "intervals": [ { "table": "tsdb", "preAggregationTable": "tsdb-agg", "interval": "1m",
 *                      "rowSpan": "1h", "defaultInterval": true }, … ] }
 *
 * An interval names two tables: `table` for rollups of raw series (temporal only) and
 * `preAggregationTable` for pre-aggregated (group-by) series. Exactly one interval is the
 * default: its resolution is the raw data's, so queries never read its rollup table.
 */

export interface RollupIntervalConfig {
  table: string;
  preAggregationTable: string;
  /** `<n><unit>` as in a downsample: 10m, 1h, 1d */
  interval: string;
  /** width of a storage row: `<n>h` (n = 1 or even), `1d`, `1n`, `1y` */
  rowSpan: string;
  defaultInterval?: boolean;
  delaySla?: string;
}

export interface RollupConfigJson {
  aggregationIds: Record<string, number>;
  intervals: RollupIntervalConfig[];
}

/** One validated interval (RollupInterval). */
export interface RollupInterval {
  readonly table: string;
  readonly preAggregationTable: string;
  readonly interval: string;
  /** the interval in seconds */
  readonly seconds: number;
  readonly rowSpan: string;
  /** the row span's unit: h, d, n (month) or y */
  readonly spanUnit: 'h' | 'd' | 'n' | 'y';
  readonly spanMultiplier: number;
  /** intervals per row */
  readonly intervals: number;
  readonly isDefault: boolean;
}

const MAX_INTERVALS = 7774;
const MIN_INTERVALS = 12;
const SPAN_SECONDS = { h: 3600, d: 86_400, n: 86_400 * 32, y: 86_400 * 366 } as const;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, n: 2_592_000_000, y: 31_536_000_000 };
/** HBase table names (without a namespace): what the series identity can carry safely. */
const TABLE_NAME = /^[A-Za-z0-9_.-]+$/;

/** DateTime.parseDuration: `<n><unit>` in ms; throws OpenTSDB's IllegalArgumentException messages. */
export function parseDurationMs(text: string): { ms: number; count: number; unit: string } {
  const m = /^(\d+)(ms|s|m|h|d|w|n|y)$/.exec(text ?? '');
  if (!m) throw new Error(`Invalid duration (number): ${text}`);
  const count = Number(m[1]);
  if (count <= 0) throw new Error(`Zero or negative duration: ${text}`);
  return { ms: count * UNIT_MS[m[2]!]!, count, unit: m[2]! };
}

function compileInterval(c: RollupIntervalConfig): RollupInterval {
  if (!c.table) throw new Error('The rollup table cannot be null or empty');
  if (!c.preAggregationTable) throw new Error('The pre-aggregate rollup table cannot be null or empty');
  for (const t of [c.table, c.preAggregationTable]) {
    if (!TABLE_NAME.test(t)) throw new Error(`Invalid table name "${t}": letters, digits, _ . - only`);
  }
  const span = /^(\d+)(h|d|n|y)$/.exec(c.rowSpan ?? '');
  if (!span) throw new Error(`Unrecognized row span '${c.rowSpan}': <n>h, 1d, 1n or 1y`);
  const spanUnit = span[2] as RollupInterval['spanUnit'];
  const spanMultiplier = Number(span[1]);
  if (spanUnit !== 'h' && spanMultiplier > 1) throw new Error("Multipliers are only usable with the 'h' unit");
  if (spanUnit === 'h' && spanMultiplier > 1 && spanMultiplier % 2 !== 0) throw new Error('The multiplier must be 1 or an even value');
  const seconds = Math.floor(parseDurationMs(c.interval).ms / 1000);
  if (seconds < 1) throw new Error('Milliseconds are not supported');
  const spanSeconds = SPAN_SECONDS[spanUnit] * spanMultiplier;
  if (seconds >= spanSeconds) throw new Error(`Interval [${seconds}] is too large for the span [${spanUnit}]`);
  const intervals = Math.floor(spanSeconds / seconds);
  if (intervals > MAX_INTERVALS) throw new Error(`Too many intervals [${intervals}] in the span. Must be smaller than [${MAX_INTERVALS}] to fit in 14 bits`);
  if (intervals < MIN_INTERVALS) throw new Error(`Not enough intervals [${intervals}] for the span. Must be at least [${MIN_INTERVALS}]`);
  return {
    table: c.table,
    preAggregationTable: c.preAggregationTable,
    interval: c.interval,
    seconds,
    rowSpan: c.rowSpan,
    spanUnit,
    spanMultiplier,
    intervals,
    isDefault: c.defaultInterval === true,
  };
}

/** The validated configuration (RollupConfig): intervals by name, aggregator IDs both ways. */
export class RollupConfig {
  readonly intervals = new Map<string, RollupInterval>();
  readonly defaultInterval: RollupInterval;
  private readonly idsByAggregator = new Map<string, number>();

  /**
   * @param json the rollup config as OpenTSDB reads it
   * @param knownAggregator whether an aggregator name exists (Aggregators.get)
   * @throws Error with OpenTSDB's message for a config it would refuse
   */
  constructor(json: RollupConfigJson, knownAggregator: (name: string) => boolean = () => true) {
    if (!json.intervals || json.intervals.length === 0) throw new Error('Rollup config given but no intervals were found.');
    if (!json.aggregationIds || Object.keys(json.aggregationIds).length === 0) throw new Error('Rollup config given but no aggegation ID mappings found.');
    let defaultInterval: RollupInterval | undefined;
    for (const c of json.intervals) {
      const interval = compileInterval(c);
      if (this.intervals.has(interval.interval)) throw new Error(`Only one interval of each type can be configured: ${interval.interval}`);
      if (interval.isDefault) {
        if (defaultInterval) throw new Error(`Multiple default intervals configured. Only one is allowed: ${interval.interval}`);
        defaultInterval = interval;
      }
      this.intervals.set(interval.interval, interval);
    }
    const ids = new Set<number>();
    for (const [name, id] of Object.entries(json.aggregationIds)) {
      if (!Number.isInteger(id) || id < 0 || id > 127) throw new Error(`ID for aggregator must be between 0 and 127: ${name}=${id}`);
      if (ids.has(id)) throw new Error(`Multiple mappings for the ID '${id}' are not allowed.`);
      const agg = name.toLowerCase();
      if (!knownAggregator(agg)) throw new Error(`No such aggregator found for ${agg}`);
      ids.add(id);
      this.idsByAggregator.set(agg, id);
    }
    if (!defaultInterval) throw new Error('None of the rollup intervals were marked as the "default".');
    this.defaultInterval = defaultInterval;
  }

  /** RollupConfig.getIdForAggregator: throws OpenTSDB's IllegalArgumentException message. */
  idForAggregator(aggregator: string | undefined): number {
    if (!aggregator) throw new Error('Aggregator cannot be null or empty.');
    const id = this.idsByAggregator.get(aggregator.toLowerCase());
    if (id === undefined) throw new Error(`No ID found mapping to aggregator: ${aggregator}`);
    return id;
  }

  /**
   * RollupConfig.getRollupInterval(long): the intervals that divide a downsample interval,
   * largest first (the exact one, if configured, leads); empty when none does.
   */
  bestMatches(intervalMs: number): RollupInterval[] {
    const seconds = Math.floor(intervalMs / 1000);
    if (seconds <= 0) return [];
    return [...this.intervals.values()].filter((i) => seconds % i.seconds === 0).sort((a, b) => b.seconds - a.seconds);
  }
}
