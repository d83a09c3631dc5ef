/**
 * Series documents. A series' document id is derived from its canonical key (ids.ts), so
 * creating it is race-free across daemons without any coordination: every daemon that
 * meets a new series writes the same `_id`; CouchDB stores the first and answers the
 * others 409, which means "it exists" — one document, one series id, whoever wins.
 * Each daemon caches the keys it knows exist; the cache is only a cache.
 */
import { seriesKeyString, setTag, tagsPassSelector, type NameKind, type SeriesInfo, type SeriesKey, type SeriesSelector, type Tags } from '../../core';
import type { Couch, Row } from './couch';
import { DESIGN_ID, nameDocId, seriesDocId, seriesId, seriesRange } from './ids';

export interface SeriesDoc {
  _id: string;
  _rev?: string;
  type: 'series';
  metric: string;
  /** tags, keys sorted */
  tags: Tags;
}

/** documents per `_bulk_docs` when creating series: a request stays a few MB at most */
const DOCS_PER_REQUEST = 2000;
/** ids per `_all_docs` POST */
const KEYS_PER_REQUEST = 1000;

function sortedTags(tags: Tags): Tags {
  const out: Record<string, string> = {};
  for (const k of Object.keys(tags).sort()) setTag(out, k, tags[k]!);
  return out;
}

export function infoOf(doc: SeriesDoc): SeriesInfo {
  return { id: doc._id.slice(doc._id.lastIndexOf(':') + 1), metric: doc.metric, tags: doc.tags };
}

export class SeriesIndex {
  /** canonical key → series id, for series known to exist */
  private readonly known = new Map<string, string>();
  /** name documents known to exist */
  private readonly names = new Set<string>();

  constructor(
    private readonly couch: Couch,
    private readonly cacheLimit: number,
  ) {}

  /**
   * Series ids for the series of a batch (`out[i]` for `keys[i]`), creating the
   * documents of new series and their names first: once this resolves, every daemon's
   * lookups see them. Throws when CouchDB refuses a document for another reason than
   * "exists", or when an existing document holds another series (a hash collision).
   */
  async resolve(keys: readonly string[], series: readonly SeriesKey[], out: string[]): Promise<void> {
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const sid = this.known.get(keys[i]!);
      if (sid !== undefined) out[i] = sid;
      else missing.push(i);
    }
    for (let from = 0; from < missing.length; from += DOCS_PER_REQUEST) {
      await this.create(keys, series, missing.slice(from, from + DOCS_PER_REQUEST), out);
    }
  }

  private async create(keys: readonly string[], series: readonly SeriesKey[], which: number[], out: string[]): Promise<void> {
    const docs: object[] = [];
    const nameIds = new Set<string>();
    const addName = (kind: NameKind, name: string) => {
      const id = nameDocId(kind, name);
      if (!this.names.has(id) && !nameIds.has(id)) {
        nameIds.add(id);
        docs.push({ _id: id, type: 'name' });
      }
    };
    const byDocId = new Map<string, number>();
    for (const i of which) {
      const s = series[i]!;
      const sid = seriesId(keys[i]!);
      out[i] = sid;
      const id = seriesDocId(s.metric, sid);
      byDocId.set(id, i);
      docs.push({ _id: id, type: 'series', metric: s.metric, tags: sortedTags(s.tags) } satisfies SeriesDoc);
      addName('metrics', s.metric);
      for (const k of Object.keys(s.tags)) {
        addName('tagk', k);
        addName('tagv', s.tags[k]!);
      }
    }
    const results = await this.couch.bulk(docs);
    const existing: string[] = [];
    for (const r of results) {
      if (r.ok || r.error === 'conflict') {
        if (r.error === 'conflict' && byDocId.has(r.id)) existing.push(r.id);
        continue;
      }
      throw new Error(`storage-couchdb: CouchDB refused document ${r.id}: ${r.error} (${r.reason})`);
    }
    // A series that existed already: check it is this series (a 96-bit hash collision would mix two).
    for (let from = 0; from < existing.length; from += KEYS_PER_REQUEST) {
      for (const row of await this.couch.fetch<SeriesDoc>(existing.slice(from, from + KEYS_PER_REQUEST))) {
        const i = byDocId.get(row.key as string)!;
        if (!row.doc || seriesKeyString(row.doc.metric, row.doc.tags) !== keys[i]) {
          throw new Error(`storage-couchdb: series ${keys[i]} and the stored ${row.doc ? seriesKeyString(row.doc.metric, row.doc.tags) : '(missing)'} share document ${row.key}`);
        }
      }
    }
    if (this.known.size + which.length > this.cacheLimit) this.known.clear();
    for (const i of which) this.known.set(keys[i]!, out[i]!);
    if (this.names.size + nameIds.size > this.cacheLimit) this.names.clear();
    for (const id of nameIds) this.names.add(id);
  }

  /**
   * Series matching a selector, in document id order. The metric's id range (or, for
   * predicates with literal values, the tag view's postings) narrows; the predicates'
   * own tests and the explicit keys then decide.
   */
  async select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    let docs: SeriesDoc[];
    const literal = selector.metric !== undefined ? (selector.predicates ?? []).filter((p) => p.literals) : [];
    if (literal.length > 0) {
      let ids: Set<string> | undefined;
      for (const p of literal) {
        if (p.literals!.length === 0) return [];
        const res = await this.couch.request<{ rows: Row<never>[] }>({
          method: 'POST',
          path: `${DESIGN_ID}/_view/tags`,
          body: { keys: p.literals!.map((v) => [selector.metric, p.key, v]) },
        });
        const these = new Set(res.rows.map((r) => r.id!));
        ids = ids ? new Set([...ids].filter((id) => these.has(id))) : these;
        if (ids.size === 0) return [];
      }
      const sorted = [...ids!].sort();
      docs = [];
      for (let from = 0; from < sorted.length; from += KEYS_PER_REQUEST) {
        for (const row of await this.couch.fetch<SeriesDoc>(sorted.slice(from, from + KEYS_PER_REQUEST))) if (row.doc) docs.push(row.doc);
      }
    } else {
      const [start, end] = seriesRange(selector.metric);
      docs = (await this.couch.range<SeriesDoc>(start, end)).map((r) => r.doc!).filter((d) => d && d.type === 'series');
    }
    const out: SeriesInfo[] = [];
    for (const doc of docs) {
      if (selector.metric !== undefined && doc.metric !== selector.metric) continue;
      const tags = doc.tags;
      if (!tagsPassSelector(tags, selector.predicates, selector.explicitTagKeys)) continue;
      out.push(infoOf(doc));
    }
    return out;
  }
}
