/**
 * `MetaUidService`: OpenTSDB's UID table (tsdb-uid) over a storage engine's MetaStore.
 *
 * Layout, in the MetaStore space `uid` (keys ASCII, so key order is byte order):
 *  - `n:<kind>:<name>` → the UID (6 upper-case hex digits): the forward map, the truth;
 *  - `i:<kind>:<UID>`  → the name: the reverse map, written first as the claim of an id;
 *  - `max:<kind>`      → a hint of the highest id claimed (never above it), where a
 *                         search for the next free id starts.
 *
 * Assignment (OpenTSDB's `UniqueId.getOrCreateId`: increment the counter, write the
 * reverse map, then compare-and-set the forward map) with `putIfAbsent` as the only atomic
 * primitive: claim the next free id key `i:<kind>:<UID>` (a taken one → try the next),
 * then `putIfAbsent` the forward key. A daemon that loses that second race reads the
 * winner's UID; the id it claimed stays claimed and unused — a wasted UID, as in OpenTSDB.
 * Within a process, assignments of a kind run in rounds, one round at a time
 * (AssignmentRounds): a round's names are given consecutive ids in the order they were
 * first asked for, and their claims and forward keys are written together, so a round
 * waits for two durable writes whatever its size. Across daemons UIDs are unique, in the
 * order claims land.
 *
 * Caches: name→UID and UID→name per kind, bounded (least recently added out first). A
 * UID never changes for a name, except by `rename`, which updates this process's caches.
 */
import { setTag, type MetaStore } from '../../core';
import { AssignmentRounds } from './assignment-rounds';
import { asError } from './as-error';
import type { SeriesName, UidKind, UidService } from './types';

/** OpenTSDB's default UID width: 3 bytes per kind (metrics, tagk, tagv). */
export const UID_BYTES = 3;
export const UID_HEX = UID_BYTES * 2;
const MAX_ID = 2 ** (8 * UID_BYTES) - 1;
/** names a round of one kind's assignments takes at most: the requests it sends the store at once */
const MAX_ROUND = 128;
export const UID_KINDS: readonly UidKind[] = ['metric', 'tagk', 'tagv'];
const SPACE = 'uid';
/** the longest name a UID is assigned to, in UTF-8 bytes: its key stays within MetaStore's 1024 */
export const MAX_NAME_BYTES = 1000;

/** The UID of id `n` in OpenTSDB's text form (`UniqueId.uidToString`): 6 upper-case hex digits. */
export function uidHex(n: number): string {
  return n.toString(16).toUpperCase().padStart(UID_HEX, '0');
}

/** Whether `s` is a UID in hex of the configured width. */
export function isUidHex(s: string): boolean {
  return s.length === UID_HEX && /^[0-9A-Fa-f]+$/.test(s);
}

/** Thrown when a kind has used all of its ids (OpenTSDB: "All Unique IDs for … are already assigned!"). */
export class UidsExhaustedError extends Error {}

/** A Map that forgets its oldest entry once it holds `max`. */
class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max && !this.map.has(key)) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
}

export interface MetaUidServiceOptions {
  /** entries kept per cache (name→UID and UID→name, each per kind); default 100 000 */
  cacheSize?: number;
  /** ms a name found without a UID is answered so from memory; default 5 000 */
  absentMs?: number;
}

export class MetaUidService implements UidService {
  private readonly ids = new Map<UidKind, BoundedMap<string>>();
  private readonly names = new Map<UidKind, BoundedMap<string>>();
  /** names known to have no UID, until when (ms): readers of unassigned names ask storage once a while */
  private readonly absent = new Map<UidKind, BoundedMap<number>>();
  private readonly absentMs: number;
  /** assignments in flight, by `<kind>:<name>`, so one process asks storage once */
  private readonly pending = new Map<string, Promise<Assigned>>();
  /** per kind, the rounds its assignments run in */
  private readonly rounds = new Map<UidKind, AssignmentRounds<Assigned>>();
  /** per kind, the next id this process will try first */
  private readonly nextTry = new Map<UidKind, number>();

  constructor(
    readonly store: MetaStore,
    options: MetaUidServiceOptions = {},
  ) {
    const size = options.cacheSize ?? 100_000;
    this.absentMs = options.absentMs ?? 5_000;
    for (const kind of UID_KINDS) {
      this.ids.set(kind, new BoundedMap(size));
      this.names.set(kind, new BoundedMap(size));
      this.absent.set(kind, new BoundedMap(size));
      this.rounds.set(kind, new AssignmentRounds((names) => this.assignRound(kind, names), MAX_ROUND));
    }
  }

  async getId(kind: UidKind, name: string): Promise<string | undefined> {
    const cached = this.ids.get(kind)!.get(name);
    if (cached !== undefined) return cached;
    // no UID is ever assigned to it (assignRound), and its key would not fit the store's
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) return undefined;
    // a name without a UID is asked again only after a while (another daemon may assign it)
    const absentUntil = this.absent.get(kind)!.get(name);
    if (absentUntil !== undefined && absentUntil > Date.now()) return undefined;
    const uid = await this.store.get(SPACE, `n:${kind}:${name}`);
    if (uid !== undefined) this.remember(kind, name, uid);
    else this.absent.get(kind)!.set(name, Date.now() + this.absentMs);
    return uid;
  }

  async getName(kind: UidKind, uid: string): Promise<string | undefined> {
    const hex = uid.toUpperCase();
    const cached = this.names.get(kind)!.get(hex);
    if (cached !== undefined) return cached;
    const name = await this.store.get(SPACE, `i:${kind}:${hex}`);
    if (name === undefined) return undefined;
    // a wasted UID (a lost race) names a name whose UID is another: it names nothing
    if ((await this.getId(kind, name)) !== hex) return undefined;
    this.remember(kind, name, hex);
    return name;
  }

  async getOrCreate(kind: UidKind, name: string): Promise<string> {
    const known = await this.getId(kind, name);
    if (known !== undefined) return known;
    return (await this.request(kind, name)).uid;
  }

  /**
   * Assigns a UID to a name that must have none (OpenTSDB's `/api/uid/assign`, `TSDB.assignUid`):
   * `{ uid }`, or `{ existing }` with the UID the name already has.
   */
  async assignNew(kind: UidKind, name: string): Promise<{ uid: string; created: boolean }> {
    const known = await this.getId(kind, name);
    if (known !== undefined) return { uid: known, created: false };
    // an assignment of the name already asked for by another caller created it for that one
    const inFlight = this.pending.get(`${kind}:${name}`);
    if (inFlight) return { uid: (await inFlight).uid, created: false };
    return this.request(kind, name);
  }

  /**
   * The TSUIDs of many series, assigning UIDs to names that have none: one result per
   * series, in order, a TSUID or the Error that kept one of its names from a UID. Every
   * name is asked for at once, in the order `tsuid` one series after another would ask
   * (each series' metric, then its tag keys in name order, each followed by its value),
   * so the names of a kind get UIDs in the same order, in rounds that share the store's
   * writes: a batch of 1 000 new series waits for a few durable writes, not thousands.
   * A series whose names are all cached costs no promise; the others' names are asked
   * once each however many series name them (a new host's ten metrics: one request for
   * the host), and a series with several failing names gets the first one's Error. Why:
   * a promise a series and name (seven for a three-tag series) made creating a series
   * cost ~12 µs here, and garbage that doubled the collector's share (docs/performance.md).
   */
  async tsuids(list: readonly SeriesName[]): Promise<(string | Error)[]> {
    const out = new Array<string | Error>(list.length);
    // series with a name not cached; their names' UIDs (cached) or assignments, by kind and
    // name, each asked for once, at its first mention: the order of the series' names
    let slow: number[] | undefined;
    let asked: NamesAsked | undefined;
    for (let i = 0; i < list.length; i++) {
      const series = list[i]!;
      const cached = this.cachedTsuid(series);
      if (cached !== undefined) {
        out[i] = cached;
        continue;
      }
      (slow ??= []).push(i);
      asked ??= { metric: new Map(), tagk: new Map(), tagv: new Map() };
      this.ask(asked, 'metric', series.metric);
      for (const k of Object.keys(series.tags).sort()) {
        this.ask(asked, 'tagk', k);
        this.ask(asked, 'tagv', series.tags[k]!);
      }
    }
    if (slow === undefined) return out;
    // every assignment awaited together (one failing name is not left an unhandled rejection)
    await settleAll(asked!);
    for (const i of slow) out[i] = tsuidOf(list[i]!, asked!);
    return out;
  }

  /** Notes the name's UID in `asked`: the cached one, or this process's assignment of it (one request a name). */
  private ask(asked: NamesAsked, kind: UidKind, name: string): void {
    const byName = asked[kind];
    if (byName.has(name)) return;
    const cached = this.ids.get(kind)!.get(name);
    byName.set(name, cached !== undefined ? cached : this.request(kind, name));
  }

  async tsuid(series: SeriesName): Promise<string> {
    const [tsuid] = await this.tsuids([series]);
    if (tsuid instanceof Error) throw tsuid;
    return tsuid!;
  }

  /**
   * The TSUID of a series whose names all have UIDs in this service's cache, without a
   * promise; undefined when one of them is not cached (existingTsuid then asks the store).
   * Why: a query's first answer names every series it read (its `tsuids`, the annotations'
   * keys): seven awaits a series made ~70,000 promises for 10,000 series, a quarter of the
   * first count query after a load.
   */
  cachedTsuid(series: SeriesName): string | undefined {
    const metric = this.ids.get('metric')!.get(series.metric);
    if (metric === undefined) return undefined;
    const tagks = this.ids.get('tagk')!;
    const tagvs = this.ids.get('tagv')!;
    const pairs: string[] = [];
    for (const k in series.tags) {
      const kid = tagks.get(k);
      const vid = kid === undefined ? undefined : tagvs.get(series.tags[k]!);
      if (kid === undefined || vid === undefined) return undefined;
      pairs.push(kid + vid);
    }
    return metric + pairs.sort().join('');
  }

  /** The TSUID of a series whose names all have UIDs; undefined when one has none. */
  async existingTsuid(series: SeriesName): Promise<string | undefined> {
    const cached = this.cachedTsuid(series);
    if (cached !== undefined) return cached;
    const metric = await this.getId('metric', series.metric);
    if (metric === undefined) return undefined;
    const pairs: string[] = [];
    for (const k of Object.keys(series.tags)) {
      const kid = await this.getId('tagk', k);
      const vid = kid === undefined ? undefined : await this.getId('tagv', series.tags[k]!);
      if (kid === undefined || vid === undefined) return undefined;
      pairs.push(kid + vid);
    }
    return metric + pairs.sort().join('');
  }

  async resolveTsuid(tsuid: string): Promise<SeriesName | undefined> {
    const parts = splitTsuid(tsuid);
    if (!parts) return undefined;
    const metric = await this.getName('metric', parts.metric);
    if (metric === undefined) return undefined;
    const tags: Record<string, string> = {};
    for (const [k, v] of parts.tags) {
      const key = await this.getName('tagk', k);
      const value = key === undefined ? undefined : await this.getName('tagv', v);
      if (key === undefined || value === undefined) return undefined;
      setTag(tags, key, value);
    }
    return { metric, tags };
  }

  /**
   * Gives the name's UID to `to` (OpenTSDB's `UniqueId.rename`): the forward key of `to` is
   * claimed first (an existing `to` fails), then the reverse map points at it and `from`'s
   * forward key goes. Errors: `from` unknown, `to` taken.
   */
  async rename(kind: UidKind, from: string, to: string): Promise<string> {
    const uid = Buffer.byteLength(from) > MAX_NAME_BYTES ? undefined : await this.store.get(SPACE, `n:${kind}:${from}`);
    if (uid === undefined) throw new UidNameError(`No such name: ${kind} ${from}`, 'unknown');
    const bytes = Buffer.byteLength(to);
    if (bytes > MAX_NAME_BYTES) throw new UidNameError(`A ${kind} name of ${bytes} bytes is longer than a UID's name can be (${MAX_NAME_BYTES})`, 'too-long');
    if (!(await this.store.putIfAbsent(SPACE, `n:${kind}:${to}`, uid))) {
      throw new UidNameError(`An UID with name ${to} for ${kind} already exists`, 'exists');
    }
    await this.store.put(SPACE, `i:${kind}:${uid}`, to);
    await this.store.delete(SPACE, `n:${kind}:${from}`);
    this.ids.get(kind)!.delete(from);
    this.remember(kind, to, uid);
    return uid;
  }

  /** Names of a kind and their UIDs, in name order, from `prefix`, at most `limit`. */
  async *list(kind: UidKind, prefix = '', limit?: number): AsyncIterable<{ name: string; uid: string }> {
    const head = `n:${kind}:`;
    for await (const e of this.store.scan(SPACE, head + prefix, limit)) yield { name: e.key.slice(head.length), uid: e.value };
  }

  /** Forgets the caches (OpenTSDB's /api/dropcaches); storage stays the truth. */
  dropCaches(): void {
    for (const kind of UID_KINDS) {
      this.ids.get(kind)!.clear();
      this.names.get(kind)!.clear();
      this.absent.get(kind)!.clear();
    }
    this.nextTry.clear();
  }

  private remember(kind: UidKind, name: string, uid: string): void {
    this.absent.get(kind)!.delete(name);
    this.ids.get(kind)!.set(name, uid);
    this.names.get(kind)!.set(uid, name);
  }

  /** The name's assignment: the one in flight, or a new request in the kind's next round. */
  private request(kind: UidKind, name: string): Promise<Assigned> {
    const key = `${kind}:${name}`;
    let work = this.pending.get(key);
    if (!work) {
      work = this.rounds.get(kind)!.request(name);
      this.pending.set(key, work);
      const forget = () => this.pending.delete(key);
      work.then(forget, forget);
    }
    return work;
  }

  /**
   * One round of a kind's assignments (run alone among this process's rounds of the kind):
   * names with a forward key already (another daemon's, or one this cache forgot) take it;
   * the others claim consecutive ids from `nextTry` in order, all at once (a taken id → the
   * name tries the next free one after the round's), then put their forward keys at once.
   * One result per name, in order: its UID, or the Error that stopped it (too long, ids
   * exhausted). A store failure throws, failing the round.
   */
  private async assignRound(kind: UidKind, names: string[]): Promise<(Assigned | Error)[]> {
    const results: (Assigned | Error)[] = new Array(names.length);
    const forward = (name: string) => `n:${kind}:${name}`;
    const asked: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const bytes = Buffer.byteLength(names[i]!);
      // MetaStore keys hold at most 1024 bytes on every backend (docs/storage.md)
      if (bytes > MAX_NAME_BYTES) results[i] = new UidNameError(`A ${kind} name of ${bytes} bytes is longer than a UID's name can be (${MAX_NAME_BYTES})`, 'too-long');
      else asked.push(i);
    }
    const existing = await Promise.all(asked.map((i) => this.store.get(SPACE, forward(names[i]!))));
    let unclaimed: number[] = [];
    asked.forEach((i, k) => {
      const uid = existing[k];
      if (uid === undefined) return void unclaimed.push(i);
      this.remember(kind, names[i]!, uid);
      results[i] = { uid, created: false };
    });
    if (unclaimed.length === 0) return results;
    let next = this.nextTry.get(kind);
    if (next === undefined) {
      const hint = await this.store.get(SPACE, `max:${kind}`);
      next = (hint === undefined ? 0 : parseInt(hint, 16)) + 1;
    }
    const claimedUids: string[] = new Array(names.length);
    const claimers: number[] = [];
    while (unclaimed.length > 0) {
      const tries: { i: number; uid: string }[] = [];
      for (const i of unclaimed) {
        if (next > MAX_ID) results[i] = new UidsExhaustedError(`All Unique IDs for ${kind} on ${UID_BYTES} bytes are already assigned!`);
        else tries.push({ i, uid: uidHex(next++) });
      }
      const claimed = await Promise.all(tries.map((t) => this.store.putIfAbsent(SPACE, `i:${kind}:${t.uid}`, names[t.i]!)));
      unclaimed = [];
      tries.forEach((t, k) => {
        if (!claimed[k]) return void unclaimed.push(t.i); // claimed by another daemon: the name tries the next
        claimedUids[t.i] = t.uid;
        claimers.push(t.i);
      });
    }
    this.nextTry.set(kind, next);
    if (claimers.length === 0) return results;
    // The highest id is a hint for the next process's first try, not a claim (the `i:`
    // entries above are): it is not waited for, so a round costs two durable writes, not
    // three. A hint lost in a crash only makes the next process probe a few claimed ids
    // (each refused by putIfAbsent) before it finds a free one.
    this.store.put(SPACE, `max:${kind}`, uidHex(next - 1)).catch(() => undefined);
    const won = await Promise.all(claimers.map((i) => this.store.putIfAbsent(SPACE, forward(names[i]!), claimedUids[i]!)));
    // another daemon gave a name its UID first: ours is wasted, theirs is the name's
    const winners = await Promise.all(claimers.map((i, k) => (won[k] ? claimedUids[i]! : this.store.get(SPACE, forward(names[i]!)))));
    claimers.forEach((i, k) => {
      const uid = winners[k]!;
      this.remember(kind, names[i]!, uid);
      results[i] = { uid, created: won[k]! };
    });
    return results;
  }
}

/** A name's UID, and whether this call gave it (false: it had one, or another daemon won). */
interface Assigned {
  uid: string;
  created: boolean;
}

/** A rename refused: the old name unknown, or the new one taken. */
export class UidNameError extends Error {
  constructor(
    message: string,
    readonly reason: 'unknown' | 'exists' | 'too-long',
  ) {
    super(message);
  }
}

/** A TSUID's metric UID and (tagk, tagv) UID pairs; undefined when it is not hex of the right length. */
export function splitTsuid(tsuid: string): { metric: string; tags: [string, string][] } | undefined {
  const hex = tsuid.toUpperCase();
  if (!/^[0-9A-F]*$/.test(hex) || hex.length < UID_HEX || (hex.length - UID_HEX) % (2 * UID_HEX) !== 0) return undefined;
  const tags: [string, string][] = [];
  for (let i = UID_HEX; i < hex.length; i += 2 * UID_HEX) tags.push([hex.slice(i, i + UID_HEX), hex.slice(i + UID_HEX, i + 2 * UID_HEX)]);
  return { metric: hex.slice(0, UID_HEX), tags };
}

/** tsuids' names by kind: a UID, an assignment in flight, or (once settled) its Error. */
type NamesAsked = Record<UidKind, Map<string, string | Promise<Assigned> | Error>>;

/** Waits for every assignment in `asked` (all at once: none is left without a handler while another is awaited) and puts its UID, or the Error it failed with, in its place. */
async function settleAll(asked: NamesAsked): Promise<void> {
  const places: [Map<string, string | Promise<Assigned> | Error>, string][] = [];
  const work: Promise<Assigned>[] = [];
  for (const kind of UID_KINDS) {
    const byName = asked[kind];
    for (const [name, uid] of byName) {
      if (typeof uid === 'object' && !(uid instanceof Error)) {
        places.push([byName, name]);
        work.push(uid);
      }
    }
  }
  const settled = await Promise.allSettled(work);
  for (let j = 0; j < places.length; j++) {
    const [byName, name] = places[j]!;
    const r = settled[j]!;
    byName.set(name, r.status === 'fulfilled' ? r.value.uid : asError(r.reason));
  }
}

/** A series' TSUID from its names' settled UIDs (the metric's, then each tag pair's, pairs sorted), or the first of its names' Errors in that order. */
function tsuidOf(series: SeriesName, asked: NamesAsked): string | Error {
  const metric = asked.metric.get(series.metric) as string | Error;
  if (metric instanceof Error) return metric;
  const pairs: string[] = [];
  for (const k of Object.keys(series.tags).sort()) {
    const key = asked.tagk.get(k) as string | Error;
    if (key instanceof Error) return key;
    const value = asked.tagv.get(series.tags[k]!) as string | Error;
    if (value instanceof Error) return value;
    pairs.push(key + value);
  }
  return metric + pairs.sort().join('');
}
