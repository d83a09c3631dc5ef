/**
 * OpenTSDB's meta data (the tsdb-meta table and the UID meta columns of tsdb-uid) over the
 * MetaStore: `UIDMeta` per (kind, UID) in the space `uidmeta`, `TSMeta` per TSUID in the
 * space `tsmeta`. The JSON forms follow OpenTSDB 2.4.1's `UIDMeta` and `TSMeta` as its
 * /api/uid/uidmeta and /api/uid/tsmeta answer them (field names, order, defaults: an
 * unset `custom` is `null` in UIDMeta and left out in TSMeta; `max`/`min` unset are NaN,
 * written `"NaN"`).
 */
import type { MetaEntry, MetaStore } from '../../core';
import type { MetaUidService } from './meta-uid-service';
import { asError } from './as-error';
import { splitTsuid } from './meta-uid-service';
import type { UidKind } from './types';

/** The editable fields of a UIDMeta (what is stored; uid, type and name come from the UID table). */
export interface UidMetaFields {
  description: string;
  notes: string;
  /** seconds since the epoch; 0 = unknown (OpenTSDB without enable_realtime_uid) */
  created: number;
  custom: Record<string, string> | null;
  displayName: string;
}

/** The editable fields of a TSMeta (stored per TSUID). */
export interface TsMetaFields {
  description: string;
  notes: string;
  /** seconds since the epoch the series was first written (enable_realtime_ts), 0 = unknown */
  created: number;
  custom: Record<string, string> | null;
  units: string;
  /** days; 0 = forever */
  retention: number;
  max: number;
  min: number;
  displayName: string;
  dataType: string;
  /** seconds; set when the meta is created by /api/uid/tsmeta?create (OpenTSDB's counter stamp) */
  lastReceived: number;
  totalDatapoints: number;
}

export const UIDMETA_SPACE = 'uidmeta';
export const TSMETA_SPACE = 'tsmeta';

export function defaultUidMeta(): UidMetaFields {
  return { description: '', notes: '', created: 0, custom: null, displayName: '' };
}

export function defaultTsMeta(): TsMetaFields {
  return { description: '', notes: '', created: 0, custom: null, units: '', retention: 0, max: NaN, min: NaN, displayName: '', dataType: '', lastReceived: 0, totalDatapoints: 0 };
}

/**
 * The `created` a meta update stores (UIDMeta.syncMeta and TSMeta.syncMeta in OpenTSDB
 * 2.4.1): the stored time when it is set (> 0) and earlier than the one given, or when
 * none is given (0 or undefined); else the one given. Measured on the real server: stored
 * 100, given 50 → 50; given 200 → 50; given -5 → -5; then given 1 → 1.
 */
export function mergedCreated(stored: number, given: number | undefined): number {
  if (given === undefined) return stored;
  return stored > 0 && (stored < given || given === 0) ? stored : given;
}

/** OpenTSDB's `type` field: METRIC, TAGK, TAGV. */
export function typeName(kind: UidKind): string {
  return kind.toUpperCase();
}

/** A UIDMeta as OpenTSDB's JSON writes it (key order as OpenTSDB's). */
export function uidMetaJson(kind: UidKind, uid: string, name: string, f: UidMetaFields): Record<string, unknown> {
  return { uid, type: typeName(kind), name, description: f.description, notes: f.notes, created: f.created, custom: f.custom, displayName: f.displayName };
}

/** A TSMeta double as the answer carries it: NaN as `"NaN"` (tsmeta-text.ts writes the rest as Java does, Infinity included). */
function numberOrNaN(n: number): number | string {
  return Number.isNaN(n) ? 'NaN' : n;
}

/**
 * A TSMeta's stored text: `max` and `min` that are not finite as their names ("Infinity",
 * "NaN"), which JSON.stringify would write as null; read back by storedDouble.
 */
function tsMetaText(fields: Partial<TsMetaFields>): string {
  return JSON.stringify(fields, (key, v: unknown) => ((key === 'max' || key === 'min') && typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/** A stored `max` or `min`: a number, its name when not finite, or null (NaN, as stored before). */
function storedDouble(v: number | string | null | undefined): number {
  return typeof v === 'string' ? Number(v) : (v ?? NaN);
}

export class MetaRecords {
  constructor(
    readonly store: MetaStore,
    readonly uids: MetaUidService,
  ) {}

  async getUidMeta(kind: UidKind, uid: string): Promise<UidMetaFields> {
    const text = await this.store.get(UIDMETA_SPACE, `${kind}:${uid.toUpperCase()}`);
    return text === undefined ? defaultUidMeta() : { ...defaultUidMeta(), ...(JSON.parse(text) as Partial<UidMetaFields>) };
  }

  async putUidMeta(kind: UidKind, uid: string, fields: UidMetaFields): Promise<void> {
    await this.store.put(UIDMETA_SPACE, `${kind}:${uid.toUpperCase()}`, JSON.stringify(fields));
  }

  async deleteUidMeta(kind: UidKind, uid: string): Promise<boolean> {
    return this.store.delete(UIDMETA_SPACE, `${kind}:${uid.toUpperCase()}`);
  }

  async getTsMeta(tsuid: string): Promise<TsMetaFields | undefined> {
    const text = await this.store.get(TSMETA_SPACE, tsuid.toUpperCase());
    if (text === undefined) return undefined;
    const stored = JSON.parse(text) as Omit<Partial<TsMetaFields>, 'max' | 'min'> & { max?: number | string | null; min?: number | string | null };
    return { ...defaultTsMeta(), ...stored, max: storedDouble(stored.max), min: storedDouble(stored.min) };
  }

  async putTsMeta(tsuid: string, fields: TsMetaFields): Promise<void> {
    await this.store.put(TSMETA_SPACE, tsuid.toUpperCase(), tsMetaText(fields));
  }

  /** Creates the TSMeta when there is none (OpenTSDB's realtime TSMeta on first write); true when created. */
  async createTsMeta(tsuid: string, fields: Partial<TsMetaFields>): Promise<boolean> {
    const created = await this.store.putIfAbsent(TSMETA_SPACE, tsuid.toUpperCase(), tsMetaText(fields));
    // once per new series, never per point: OpenTSDB passes a new TSMeta to search and trees
    if (created) for (const listener of this.createdListeners) await listener(tsuid.toUpperCase());
    return created;
  }

  /**
   * createTsMeta for many series at once (the series a write batch creates): the entries are
   * written together, so a store with group commit makes them durable with one sync instead
   * of one per series; then the listeners run for each created TSMeta in turn, in the order
   * given (a tree build reads and writes shared branches: never two at once). Per item: true
   * when created, false when it existed, or the error its write met.
   */
  async createTsMetas(items: readonly { tsuid: string; fields: Partial<TsMetaFields> }[]): Promise<(boolean | Error)[]> {
    // only the fields given are stored (getTsMeta fills in the defaults): a series' TSMeta
    // costs ~80 bytes in the store, not ~260
    const settled = await this.putTsMetasIfAbsent(items);
    const out: (boolean | Error)[] = [];
    for (let k = 0; k < items.length; k++) {
      const r = settled[k]!;
      if (r instanceof Error) {
        out.push(r);
        continue;
      }
      try {
        if (r && this.createdListeners.length > 0) for (const listener of this.createdListeners) await listener(items[k]!.tsuid.toUpperCase());
        out.push(r);
      } catch (err) {
        out.push(asError(err));
      }
    }
    return out;
  }

  /**
   * The items' TSMeta entries put where absent: one result an item, whether it was stored or
   * the Error its write met. One call of the store's putAllIfAbsent when it has it (all of
   * them failed by its failure), else a putIfAbsent an item. Items with the same `fields`
   * object share its JSON text (the tracker gives a batch's new series one).
   */
  private async putTsMetasIfAbsent(items: readonly { tsuid: string; fields: Partial<TsMetaFields> }[]): Promise<(boolean | Error)[]> {
    const entries: MetaEntry[] = new Array(items.length);
    let fields: Partial<TsMetaFields> | undefined;
    let text = '';
    for (let k = 0; k < items.length; k++) {
      const item = items[k]!;
      if (item.fields !== fields) {
        fields = item.fields;
        text = tsMetaText(fields);
      }
      entries[k] = { key: item.tsuid.toUpperCase(), value: text };
    }
    const store = this.store;
    if (store.putAllIfAbsent !== undefined) {
      try {
        return await store.putAllIfAbsent(TSMETA_SPACE, entries);
      } catch (err) {
        const error = asError(err);
        return entries.map(() => error);
      }
    }
    const settled = await Promise.allSettled(entries.map((e) => store.putIfAbsent(TSMETA_SPACE, e.key, e.value)));
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : asError(r.reason)));
  }

  private readonly createdListeners: Array<(tsuid: string) => Promise<void>> = [];

  /**
   * Calls `listener` with the TSUID each time createTsMeta creates a TSMeta (OpenTSDB's
   * `processTSMetaThroughTrees` on a new TSMeta), awaited before createTsMeta returns.
   */
  onTsMetaCreated(listener: (tsuid: string) => Promise<void>): void {
    this.createdListeners.push(listener);
  }

  async deleteTsMeta(tsuid: string): Promise<boolean> {
    return this.store.delete(TSMETA_SPACE, tsuid.toUpperCase());
  }

  /** TSUIDs with a TSMeta, in TSUID order, starting with `prefix` (a metric's UID: its series). */
  async *tsuids(prefix = ''): AsyncIterable<string> {
    for await (const e of this.store.scan(TSMETA_SPACE, prefix.toUpperCase())) yield e.key;
  }

  /** UIDMeta JSON of a UID whose name is known. */
  async uidMetaJson(kind: UidKind, uid: string, name: string): Promise<Record<string, unknown>> {
    return uidMetaJson(kind, uid.toUpperCase(), name, await this.getUidMeta(kind, uid));
  }

  /**
   * A TSMeta as OpenTSDB's JSON writes it, with the UIDMeta of its metric and of each tag
   * key and value (in TSUID order); undefined when one of its UIDs has no name.
   */
  async tsMetaJson(tsuid: string, fields: TsMetaFields): Promise<Record<string, unknown> | undefined> {
    const parts = splitTsuid(tsuid);
    if (!parts) return undefined;
    const metricName = await this.uids.getName('metric', parts.metric);
    if (metricName === undefined) return undefined;
    const tags: Record<string, unknown>[] = [];
    for (const [k, v] of parts.tags) {
      const kn = await this.uids.getName('tagk', k);
      const vn = kn === undefined ? undefined : await this.uids.getName('tagv', v);
      if (kn === undefined || vn === undefined) return undefined;
      tags.push(await this.uidMetaJson('tagk', k, kn), await this.uidMetaJson('tagv', v, vn));
    }
    const out: Record<string, unknown> = {
      tsuid: tsuid.toUpperCase(),
      metric: await this.uidMetaJson('metric', parts.metric, metricName),
      tags,
      description: fields.description,
      notes: fields.notes,
      created: fields.created,
    };
    if (fields.custom !== null) out.custom = fields.custom;
    Object.assign(out, {
      units: fields.units,
      retention: fields.retention,
      max: numberOrNaN(fields.max),
      min: numberOrNaN(fields.min),
      displayName: fields.displayName,
      dataType: fields.dataType,
      lastReceived: fields.lastReceived,
      totalDatapoints: fields.totalDatapoints,
    });
    return out;
  }
}
