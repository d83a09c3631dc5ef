/**
 * UIDs and TSMeta for series as they are first written — OpenTSDB's auto-create of UIDs
 * (`tsd.core.auto_create_metrics`) and realtime TSMeta (`tsd.core.meta.enable_realtime_ts`).
 * Runs per batch, and per series only for series this process has not seen: a known
 * series costs one Set lookup of its key per batch. New series get their UIDs (metric,
 * then tag keys and values in name order) and a TSMeta stamped with the time they were
 * first written (`created`, seconds), before the batch reaches storage — as OpenTSDB
 * assigns UIDs before it writes the row — so a UID exists for every stored series.
 */
import { newSeriesRefSlot, seriesCountOf, type PointBatch, type SeriesSlots } from '../../core';
import type { MetaRecords } from '../../lib/uid';

/** Where a tracker marks, on a batch's SeriesRefs, the series it has seen (its `token`). */
const SEEN_SLOT = newSeriesRefSlot();
/** Where a tracker keeps, on a batch's SeriesSpace, its SpaceMarks. */
const SPACE_SEEN_SLOT = newSeriesRefSlot();

/** A tracker's marks on one SeriesSpace: by slot, 1 for a series seen while `token` was the tracker's. */
interface SpaceMarks {
  token: object;
  seen: Uint8Array;
}

/** The tracker's marks on the batch's space (renewed when they are another token's), grown to hold every slot of the batch. */
function marksFor(slotted: SeriesSlots, token: object): SpaceMarks {
  let marks = slotted.space.memo[SPACE_SEEN_SLOT] as SpaceMarks | undefined;
  if (marks === undefined || marks.token !== token) {
    marks = { token, seen: new Uint8Array(1024) };
    slotted.space.memo[SPACE_SEEN_SLOT] = marks;
  }
  const slots = slotted.slots;
  let top = 0;
  for (let s = 0; s < slots.length; s++) if (slots[s]! > top) top = slots[s]!;
  if (top >= marks.seen.length) {
    const grown = new Uint8Array(Math.max(top + 1, 2 * marks.seen.length));
    grown.set(marks.seen);
    marks.seen = grown;
  }
  return marks;
}

export class SeriesTracker {
  private seen = new Set<string>();
  private previous = new Set<string>();
  /** this tracker's mark on the refs of series it has seen; a new one when it forgets them all */
  private token: object = {};
  /** keys whose UIDs or TSMeta could not be made: their refs and slots are not marked, so they are tried again once forgotten (at most maxSeries) */
  private failed = new Set<string>();
  /**
   * keys whose UIDs and TSMeta a batch is creating now, with that work: a batch written
   * meanwhile with the same new series waits for it instead of asking again (a fleet's
   * first round of points arrives as many batches in flight at once, each naming every
   * new series: asked once per batch, it was ~150 MB of garbage in an /api/put load)
   */
  private readonly pending = new Map<string, Promise<void>>();

  /** @param maxSeries series keys remembered (two generations of this many; beyond, a series is checked again) */
  constructor(
    private readonly records: () => MetaRecords,
    private readonly maxSeries: number,
    private readonly onError: (err: unknown, metric: string) => void,
  ) {}

  /** Makes sure every series of the batch has its UIDs and TSMeta. */
  async track(batch: PointBatch): Promise<void> {
    const token = this.token;
    // a batch whose series are slots of a space: the marks are one byte a slot (no object read per series)
    const slotted = batch.seriesSlots;
    const marks = slotted === undefined ? undefined : marksFor(slotted, token);
    // (read only without slots: a batch with slots may build its refs when they are read)
    const refs = slotted === undefined ? batch.seriesRefs : undefined;
    const count = seriesCountOf(batch);
    let fresh: number[] | undefined;
    let waits: Promise<void>[] | undefined;
    let waited: number[] | undefined;
    for (let s = 0; s < count; s++) {
      // a series seen through this slot or ref before: no lookup by key
      if (marks !== undefined) {
        if (marks.seen[slotted!.slots[s]!] === 1) continue;
      } else if (refs !== undefined) {
        const ref = refs[s];
        if (ref !== undefined && ref.memo[SEEN_SLOT] === token) continue;
      }
      const key = batch.seriesKeys[s]!;
      if (this.seen.has(key)) {
        if (!this.failed.has(key)) this.mark(batch, s, marks, token);
        continue;
      }
      if (this.previous.has(key)) {
        this.remember(key);
        if (!this.failed.has(key)) this.mark(batch, s, marks, token);
        continue;
      }
      const creating = this.pending.get(key);
      if (creating !== undefined) {
        if (waits === undefined) waits = [creating];
        else if (waits[waits.length - 1] !== creating) waits.push(creating);
        (waited ??= []).push(s);
        continue;
      }
      (fresh ??= []).push(s);
    }
    if (fresh !== undefined) {
      const keys = batch.seriesKeys;
      const work = this.create(batch, fresh, marks, token);
      for (const s of fresh) this.pending.set(keys[s]!, work);
      try {
        await work;
      } finally {
        for (const s of fresh) if (this.pending.get(keys[s]!) === work) this.pending.delete(keys[s]!);
      }
    }
    // the batch is written only once every series it names has its UIDs (or failed to get
    // them); a creation that threw (not a name's failure, which it reports and remembers)
    // left its series unknown, and this batch tries them itself, as it would have alone
    if (waits !== undefined) {
      await Promise.allSettled(waits);
      const keys = batch.seriesKeys;
      const retry = waited!.filter((s) => !this.seen.has(keys[s]!) && !this.previous.has(keys[s]!));
      if (retry.length > 0) await this.create(batch, retry, marks, token);
    }
  }

  /** UIDs and TSMeta for the batch's series `fresh` (new to this tracker); marks them seen. */
  private async create(batch: PointBatch, fresh: number[], marks: SpaceMarks | undefined, token: object): Promise<void> {
    const keys = batch.seriesKeys;
    const records = this.records();
    // UIDs for every new series at once: names get them in the order one series after
    // another would give them (as OpenTSDB assigns them as writes arrive), in rounds that
    // share the store's writes; a series' names mostly have theirs already, costing no write
    const tsuids = await records.uids.tsuids(fresh.map((s) => batch.series[s]!));
    const created: { s: number; tsuid: string }[] = [];
    fresh.forEach((s, k) => {
      const tsuid = tsuids[k]!;
      if (!(tsuid instanceof Error)) return void created.push({ s, tsuid });
      // the points are still written (DSDB loses no accepted data): the series keeps its
      // engine id as TSUID until a later write finds it forgotten by this cache and tries again
      this.onError(tsuid, batch.series[s]!.metric);
      this.remember(keys[s]!);
      // not marked on its ref or slot: a mark would skip it for good, not until it is forgotten
      this.fail(keys[s]!);
    });
    // the TSMetas of the batch's new series together: one group commit, not one sync each
    // one fields object for all: their TSMetas share its JSON text (createTsMetas)
    const fields = { created: Math.floor(Date.now() / 1000) };
    const results = await records.createTsMetas(created.map((c) => ({ tsuid: c.tsuid, fields })));
    for (let k = 0; k < created.length; k++) {
      const s = created[k]!.s;
      const result = results[k]!;
      this.remember(keys[s]!);
      // a failed TSMeta is tried again once this cache forgets the key: the ref must not skip it for good
      if (result instanceof Error) {
        this.onError(result, batch.series[s]!.metric);
        this.fail(keys[s]!);
        continue;
      }
      this.failed.delete(keys[s]!);
      if (token === this.token) this.mark(batch, s, marks, token);
    }
  }

  /**
   * Marks series `s` of the batch as seen while `token` is this tracker's: on its slot
   * (`marks`, the batch's space's, which hold every slot of the batch), else on its ref. A
   * batch with neither is looked up by key each time.
   */
  private mark(batch: PointBatch, s: number, marks: SpaceMarks | undefined, token: object): void {
    if (marks !== undefined) {
      marks.seen[batch.seriesSlots!.slots[s]!] = 1;
      return;
    }
    const ref = batch.seriesRefs?.[s];
    if (ref !== undefined) ref.memo[SEEN_SLOT] = token;
  }

  /** Forgets every series (after a rename or a cache drop, the next write checks again). */
  clear(): void {
    this.seen.clear();
    this.previous.clear();
    this.failed.clear();
    this.pending.clear();
    this.token = {};
  }

  /** A key whose UIDs or TSMeta could not be made: never marked, so tried again once this tracker forgets it. */
  private fail(key: string): void {
    if (this.failed.size >= this.maxSeries) this.failed.clear();
    this.failed.add(key);
  }

  private remember(key: string): void {
    if (this.seen.size >= this.maxSeries) {
      // two generations: the older is dropped whole, so the bound costs nothing per lookup
      this.previous = this.seen;
      this.seen = new Set();
    }
    this.seen.add(key);
  }
}
