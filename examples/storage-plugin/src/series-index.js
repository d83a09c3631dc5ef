// @ts-check
/**
 * The in-memory side of the engine: every series with its points, and the index that
 * finds series for a selector. Nothing here touches the disk; the log is replayed into
 * it at open, and each write updates it before its lines are queued for the log.
 *
 *  - byKey:    canonical series key (`metric{k=v,…}`, the batch's `seriesKeys`) → series,
 *              so a write resolves each series of a batch with one map lookup;
 *  - byMetric: metric → its series, the starting set of every query;
 *  - postings: `tagk=tagv` → series with that tag, so `host=web01` (a literal) is answered
 *              from one short list instead of testing every series of the metric.
 */
const { SortedPoints, slicePoints } = require('dsdb');

/** @typedef {import('dsdb').SeriesInfo} SeriesInfo */
/** @typedef {import('dsdb').SeriesSelector} SeriesSelector */
/** @typedef {import('dsdb').SeriesPoints} SeriesPoints */
/** @typedef {import('dsdb').NameKind} NameKind */

/**
 * One series: DSDB's SortedPoints (columns kept sorted by timestamp, last write wins on
 * a duplicate timestamp, int64 in a BigInt64Array) plus who it is.
 */
class Series extends SortedPoints {
  /** @param {SeriesInfo} info @param {number} seq creation order, for stable results */
  constructor(info, seq) {
    super(8);
    this.info = info;
    this.seq = seq;
  }

  /** A copy of the points in [start, end] (inclusive, ms). */
  slice(/** @type {number} */ start, /** @type {number} */ end) {
    const [from, to] = this.rangeOf(start, end);
    return slicePoints(this, from, to);
  }
}

class SeriesIndex {
  constructor() {
    /** @type {Map<string, Series>} */
    this.byKey = new Map();
    /** @type {Map<string, Series>} */
    this.byId = new Map();
    /** @type {Map<string, Series[]>} */
    this.byMetric = new Map();
    /** @type {Map<string, Series[]>} */
    this.postings = new Map();
    /** @type {Set<string>} */
    this.tagKeys = new Set();
    /** @type {Set<string>} */
    this.tagValues = new Set();
  }

  get size() {
    return this.byKey.size;
  }

  /** The id the next new series gets: series are never removed, so a counter does. */
  nextId() {
    return (this.byKey.size + 1).toString(16).toUpperCase().padStart(8, '0');
  }

  /** Adds a series (new, or replayed from the log). @param {string} key @param {SeriesInfo} info */
  add(key, info) {
    const series = new Series(info, this.byKey.size);
    this.byKey.set(key, series);
    this.byId.set(info.id, series);
    listAt(this.byMetric, info.metric).push(series);
    for (const [k, v] of Object.entries(info.tags)) {
      this.tagKeys.add(k);
      this.tagValues.add(v);
      listAt(this.postings, `${k}=${v}`).push(series);
    }
    return series;
  }

  /**
   * Series matching the selector, oldest first. Literal predicates narrow through the
   * postings; every predicate's `test` still runs, since it alone is the whole condition.
   * @param {Partial<SeriesSelector>} selector
   * @returns {Series[]}
   */
  select(selector) {
    const predicates = selector.predicates ?? [];
    /** @type {Series[]} */
    let candidates = selector.metric !== undefined ? (this.byMetric.get(selector.metric) ?? []) : [...this.byKey.values()];
    for (const p of predicates) {
      if (!p.literals) continue;
      const union = [...new Set(p.literals.flatMap((v) => this.postings.get(`${p.key}=${v}`) ?? []))];
      // start from whichever list is shorter; the filter below checks the rest
      if (union.length < candidates.length) candidates = union.sort((a, b) => a.seq - b.seq);
    }
    const explicit = selector.explicitTagKeys;
    return candidates.filter((s) => {
      const tags = s.info.tags;
      if (selector.metric !== undefined && s.info.metric !== selector.metric) return false;
      if (!predicates.every((p) => p.test(tags[p.key]))) return false;
      if (explicit) {
        const keys = Object.keys(tags);
        if (keys.length !== explicit.length || !explicit.every((k) => k in tags)) return false;
      }
      return true;
    });
  }

  /** Metric names, tag keys or tag values starting with `prefix`, sorted, at most `max`. */
  suggest(/** @type {NameKind} */ kind, /** @type {string} */ prefix, /** @type {number} */ max) {
    const names = kind === 'metrics' ? this.byMetric.keys() : kind === 'tagk' ? this.tagKeys : this.tagValues;
    return [...names].filter((name) => name.startsWith(prefix)).sort().slice(0, max);
  }
}

/** @template T @param {Map<string, T[]>} map @param {string} key @returns {T[]} */
function listAt(map, key) {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

module.exports = { Series, SeriesIndex };
