/**
 * Series ids and the series index in the UID table (keys.ts). Ids are assigned race-free
 * across daemons the way OpenTSDB assigns UIDs, with the gateway's atomic check-and-put
 * (`?check=put`): a daemon reserves a block of ids by compare-and-set on the counter
 * row, then claims each new series' forward row only if it is still absent; the loser
 * of a race reads the winner's id back (its reserved id stays unused, a harmless hole).
 * The index rows (metric row with the tags, names for suggest) are written after the
 * claim by whoever resolved the series from HBase, so a daemon that died between claim
 * and index leaves nothing that the next writer of the series does not repair.
 */
import { tagsPassSelector } from '../../core';
import type { NameKind, SeriesInfo, SeriesKey, SeriesSelector, TagPredicate } from '../../core';
import { asciiJson, forwardKey, metricRowKey, metricRowPrefix, nameRowKey, parseMetricRow, prefixEnd, seriesIdString, UID_FAMILY } from './keys';
import type { Cell, Filter, HBaseRest } from './rest';

const COUNTER_ROW = 'c:series';
const COL_NEXT = `${UID_FAMILY}:next`;
const COL_ID = `${UID_FAMILY}:id`;
const COL_TAGS = Buffer.from(`${UID_FAMILY}:t`);
const COL_NAME = Buffer.from(`${UID_FAMILY}:x`);
const ONE = Buffer.from('1');
/** forward rows per multi-get: the keys go in the URL */
const KEYS_PER_GET = 100;
/** check-and-puts in flight at once while creating series */
const CLAIM_CONCURRENCY = 16;

/** Java regex quoting for the gateway's RegexStringComparator. */
function quote(text: string): string {
  return '\\Q' + text.replace(/\\E/g, '\\E\\\\E\\Q') + '\\E';
}

export class SeriesIndex {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly rest: HBaseRest,
    private readonly table: string,
    private readonly cacheLimit: number,
  ) {}

  /**
   * Ids for the series of a batch; `out[i]` gets the id of `keys[i]`. Cached keys cost
   * nothing; the others cost one multi-get, and new series one counter update plus one
   * check-and-put each, then one put of their index rows.
   */
  async resolve(keys: readonly string[], series: readonly SeriesKey[], out: number[]): Promise<void> {
    let missing: number[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const id = this.ids.get(keys[i]!);
      if (id !== undefined) out[i] = id;
      else (missing ??= []).push(i);
    }
    if (!missing) return;
    const found = new Map<number, number>();
    for (let from = 0; from < missing.length; from += KEYS_PER_GET) {
      const slice = missing.slice(from, from + KEYS_PER_GET);
      const rows = await this.rest.multiGet(this.table, slice.map((i) => Buffer.from(forwardKey(keys[i]!))));
      const byKey = new Map(rows.map((r) => [r.key.toString(), r.cells.find((c) => c.column.toString() === COL_ID)?.value.toString()]));
      for (const i of slice) {
        const hex = byKey.get(forwardKey(keys[i]!));
        if (hex) found.set(i, parseInt(hex, 16));
      }
    }
    const fresh = missing.filter((i) => !found.has(i));
    if (fresh.length > 0) {
      let next = await this.reserve(fresh.length);
      let cursor = 0;
      const claim = async () => {
        while (cursor < fresh.length) {
          const i = fresh[cursor++]!;
          const mine = next++;
          const key = forwardKey(keys[i]!);
          if (await this.rest.checkAndPut(this.table, key, COL_ID, seriesIdString(mine))) found.set(i, mine);
          else {
            // another daemon claimed it first: its id is the one
            const row = await this.rest.get(this.table, Buffer.from(key));
            const hex = row?.cells.find((c) => c.column.toString() === COL_ID)?.value.toString();
            if (!hex) throw new Error(`storage-hbase: series ${keys[i]} was claimed but has no id`);
            found.set(i, parseInt(hex, 16));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CLAIM_CONCURRENCY, fresh.length) }, claim));
    }
    await this.rest.put(this.table, this.indexCells(missing, series, found));
    if (this.ids.size + missing.length > this.cacheLimit) this.ids.clear();
    for (const i of missing) {
      const id = found.get(i)!;
      this.ids.set(keys[i]!, id);
      out[i] = id;
    }
  }

  /** Reserves `n` consecutive ids by compare-and-set on the counter row; returns the first. */
  private async reserve(n: number): Promise<number> {
    for (;;) {
      const row = await this.rest.get(this.table, Buffer.from(COUNTER_ROW));
      const current = row?.cells.find((c) => c.column.toString() === COL_NEXT)?.value.toString();
      const last = current === undefined ? 0 : Number(current);
      if (last + n > 0xffffffff) throw new Error('storage-hbase: the 4-byte series id space is exhausted');
      if (await this.rest.checkAndPut(this.table, COUNTER_ROW, COL_NEXT, String(last + n), current)) return last + 1;
    }
  }

  private indexCells(which: readonly number[], series: readonly SeriesKey[], ids: Map<number, number>): Cell[] {
    const cells: Cell[] = [];
    const names = new Map<string, Buffer>();
    const name = (kind: NameKind, text: string) => {
      const key = nameRowKey(kind, text);
      names.set(key.toString('latin1'), key);
    };
    for (const i of which) {
      const s = series[i]!;
      const sorted = Object.fromEntries(Object.keys(s.tags).sort().map((k) => [k, s.tags[k]!]));
      cells.push({ row: metricRowKey(s.metric, ids.get(i)!), column: COL_TAGS, value: Buffer.from(asciiJson(sorted)) });
      name('metrics', s.metric);
      for (const k of Object.keys(s.tags)) {
        name('tagk', k);
        name('tagv', s.tags[k]!);
      }
    }
    // multi-row puts go row by row: sorted rows make one region batch each on a cluster
    for (const key of [...names.values()].sort(Buffer.compare)) cells.push({ row: key, column: COL_NAME, value: ONE });
    cells.sort((a, b) => Buffer.compare(a.row, b.row));
    return cells;
  }

  /**
   * Series matching a selector, by id. One scan of the metric's rows (every metric's
   * rows when there is none), narrowed on the server by a regex filter per predicate
   * with literals or that needs the key; the predicates' own tests then decide.
   */
  async select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    const filters: Filter[] = [];
    for (const predicate of selector.predicates ?? []) {
      const regex = predicateRegex(predicate);
      if (regex === null) return [];
      if (regex) filters.push({ type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'RegexStringComparator', value: regex } });
    }
    const start = selector.metric !== undefined ? metricRowPrefix(selector.metric) : Buffer.from('m:');
    const rows = await this.rest.scanAll(this.table, {
      startRow: start,
      endRow: prefixEnd(start),
      filter: filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : { type: 'FilterList', op: 'MUST_PASS_ALL', filters },
    });
    const out: SeriesInfo[] = [];
    for (const row of rows) {
      const cell = row.cells.find((c) => c.column.equals(COL_TAGS));
      if (!cell) continue;
      const [metric, id] = parseMetricRow(row.key);
      const tags = JSON.parse(cell.value.toString()) as Record<string, string>;
      if (!tagsPassSelector(tags, selector.predicates, selector.explicitTagKeys)) continue;
      out.push({ id: seriesIdString(id), metric, tags });
    }
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
  }

  /** Names by prefix, in byte order (= code point order for UTF-8), at most `max`. */
  async suggest(kind: NameKind, prefix: string, max: number): Promise<string[]> {
    const start = nameRowKey(kind, prefix);
    const skip = nameRowKey(kind, '').length;
    const out: string[] = [];
    for await (const page of this.rest.scan(this.table, { startRow: start, endRow: prefixEnd(start), batch: Math.min(max, 1000), filter: { type: 'KeyOnlyFilter' } })) {
      for (const row of page) {
        const name = row.key.subarray(skip).toString('utf8');
        if (out[out.length - 1] !== name) out.push(name);
        if (out.length >= max) return out;
      }
    }
    return out;
  }

  /** Series counted from the index (one key-only scan of the metric rows). */
  async count(): Promise<number> {
    let n = 0;
    for await (const page of this.rest.scan(this.table, { startRow: Buffer.from('m:'), endRow: Buffer.from('m;'), filter: { type: 'FirstKeyOnlyFilter' } })) n += page.length;
    return n;
  }
}

/**
 * The regex a series' tag JSON must contain for `predicate`: its literals as `"k":"v"`
 * members, or the key itself when the predicate needs it; '' when the server cannot
 * narrow (the predicate accepts a missing key); null when nothing can match.
 */
function predicateRegex(predicate: TagPredicate): string | '' | null {
  const key = asciiJson(predicate.key) + ':';
  if (predicate.literals) {
    if (predicate.literals.length === 0) return null;
    return `[{,](?:${predicate.literals.map((v) => quote(key + asciiJson(v))).join('|')})[,}]`;
  }
  if (!predicate.test(undefined)) return `[{,]${quote(key)}`;
  return '';
}
