/**
 * The series a background job (a block cut, a compaction) writes into its block, in order,
 * a step at a time. With a ChunkEncoder (lib/chunks) the series go to its worker thread
 * in slices of about a step's budget, IN_FLIGHT at a time, and this thread only copies
 * their columns out and writes the chunks it gets back, in series order: the block is
 * byte for byte the one encoding here writes (Prometheus likewise compacts on goroutines
 * apart from the ones that append). Encoded here instead: series with text values (their
 * strings stay on this thread), everything once the worker fails a slice or dies (the
 * slices not written are read again from their source), and whatever is left when the
 * job must finish now (step(Infinity): deletes, close, explicit checkpoints).
 */
import { slicePoints, ValueKind, type SeriesPoints } from '../../core';
import type { ChunkEncoder, EncodedChunks, EncodeSlice } from '../../lib/chunks';
import type { BlockWriter } from './block';

/** Slices sent to the encoder and not yet written. */
const IN_FLIGHT = 2;
/** Units (slices, and runs of text series waiting their turn) queued at most. */
const MAX_UNITS = 4;
const STRING: number = ValueKind.String;

/**
 * The job's series, by index in write order: `pointsOf(i)` gives series i's points
 * (sorted, unique timestamps; valid until the next call) or undefined when it has none,
 * `idOf(i)` its id in the block, and `sizeOf(i)` at least as many points as pointsOf(i)
 * will hold (0: none), without reading them: a slice is planned from it, so that no
 * series is read twice.
 */
export interface SeriesSource {
  count: number;
  pointsOf(i: number): SeriesPoints | undefined;
  idOf(i: number): number;
  sizeOf(i: number): number;
}

/**
 * Series [from, to) of the source: sent to the encoder, or one text series (`held`; the
 * others of the range have no points) to write on this thread in its turn.
 */
interface Unit {
  from: number;
  to: number;
  /** the text series and a copy of its points (the source may reuse its memory for the next read) */
  held?: { index: number; points: SeriesPoints };
  encoded?: EncodedChunks;
  failed?: boolean;
  /** settles (never rejects) once the encoder has answered */
  settled?: Promise<void>;
}

/** Whether any point of `p` is a string or JSON value (kinds String and Json). */
function holdsText(p: SeriesPoints): boolean {
  if (p.texts.length === 0) return false;
  const kinds = p.kinds;
  for (let i = 0; i < p.length; i++) if (kinds[i]! >= STRING) return true;
  return false;
}

export class SeriesEncoding {
  /** the next series to read */
  private next = 0;
  /** series sent to the encoder or waiting their turn here, in order */
  private readonly units: Unit[] = [];
  /** units of `units` on the encoder */
  private sent = 0;
  /**
   * A series a send read and stopped before (a text series after numeric ones, a numeric
   * one after text ones, one past the slice's room): the next send takes it from here
   * rather than read it again (a compaction would decode its chunks twice and count a
   * corrupt one twice). Valid only until the source is read again (pointsAt).
   */
  private aheadIndex = -1;
  private aheadPoints: SeriesPoints | undefined;

  constructor(
    private readonly source: SeriesSource,
    private readonly writer: BlockWriter,
    private encoder?: ChunkEncoder,
  ) {}

  /**
   * Encodes series until about `budget` points are done here, or with an encoder, writes
   * what is ready, in order, and sends it more; true when every series is written.
   * `budget` Infinity finishes here and now: slices in flight are encoded again here.
   */
  step(budget: number): boolean {
    const count = this.source.count;
    if (this.encoder && budget !== Infinity) {
      let done = this.writeReady(budget);
      while (this.encoder && done < budget && this.sent < IN_FLIGHT && this.units.length < MAX_UNITS && this.next < count) done += this.send(budget);
      if (this.encoder) {
        this.writeReady(budget - done);
        return this.next >= count && this.units.length === 0;
      }
    }
    this.writeReady(Infinity);
    this.takeBackUnits();
    let done = 0;
    while (this.next < count && done < budget) {
      const i = this.next++;
      done += this.writeHere(i) + 1;
    }
    return this.next >= count;
  }

  /** With slices in flight and nothing to write or send: the encoder's next answer (JobRunner waits for it). */
  idle(): Promise<void> | undefined {
    const first = this.units[0];
    if (!first || first.held || first.encoded || first.failed) return undefined;
    if (this.sent < IN_FLIGHT && this.units.length < MAX_UNITS && this.next < this.source.count) return undefined;
    return first.settled;
  }

  /** Drops the slices in flight (their answers are ignored). */
  abort(): void {
    this.units.length = 0;
    this.sent = 0;
    this.aheadIndex = -1;
    this.aheadPoints = undefined;
  }

  /** Series `i`'s points: the ones read ahead, or read from the source (which ends the read-ahead's validity). */
  private pointsAt(i: number): SeriesPoints | undefined {
    const hit = this.aheadIndex === i;
    const ahead = this.aheadPoints;
    this.aheadIndex = -1;
    this.aheadPoints = undefined;
    return hit ? ahead : this.source.pointsOf(i);
  }

  /** Keeps series `i`'s points, just read, for the next send. */
  private keepAhead(i: number, points: SeriesPoints): void {
    this.aheadIndex = i;
    this.aheadPoints = points;
  }

  /** Encodes series `i` here; returns its points. */
  private writeHere(i: number): number {
    const points = this.pointsAt(i);
    if (!points || points.length === 0) return 0;
    this.writer.addSeries(this.source.idOf(i), points);
    return points.length;
  }

  /**
   * Takes the next series, about `budget` points (or series) of them: numeric ones go to
   * the encoder as one slice; a run of text series is written here at once when nothing
   * is queued before it, else queued to be written in its turn. Returns the points
   * written here.
   */
  private send(budget: number): number {
    const source = this.source;
    const from = this.next;
    let to = from;
    // series with no points cost a step's budget too (a retention merge can drop most)
    while (to < source.count && to - from < budget && source.sizeOf(to) === 0) to++;
    if (to >= source.count || to - from >= budget) {
      this.next = to;
      return 0;
    }
    const first = this.pointsAt(to);
    if (first && first.length > 0 && holdsText(first)) return this.sendText(from, to, first, budget);
    const encoder = this.encoder!;
    let slice: EncodeSlice | undefined;
    let limit = 0;
    const at = to;
    for (; to < source.count && to - from < budget; to++) {
      let points: SeriesPoints | undefined;
      if (to === at) points = first;
      else {
        const size = source.sizeOf(to);
        if (size === 0) continue;
        if (slice && slice.points + size > limit) break;
        points = this.pointsAt(to);
      }
      const n = points ? points.length : 0;
      if (n === 0) continue;
      // a text series (or one past its size, were a source to say too little) starts the next send
      if (holdsText(points!) || (slice && n > slice.room)) {
        this.keepAhead(to, points!);
        break;
      }
      if (!slice) {
        limit = Math.max(budget, n, source.sizeOf(to));
        slice = encoder.slice(limit);
      }
      slice.add(source.idOf(to), points!);
    }
    this.next = to;
    if (!slice) return 0;
    const unit: Unit = { from, to };
    unit.settled = encoder.encode(slice, this.writer.chunkPoints).then(
      (encoded) => void (unit.encoded = encoded),
      () => void (unit.failed = true),
    );
    this.units.push(unit);
    this.sent++;
    return 0;
  }

  /** send() for a run of text series from `at` (read: `points`), up to about `budget` points. */
  private sendText(from: number, at: number, points: SeriesPoints, budget: number): number {
    const source = this.source;
    const now = this.units.length === 0;
    let done = 0;
    let to = at;
    let p: SeriesPoints | undefined = points;
    for (;;) {
      if (p && p.length > 0) {
        if (now) this.writer.addSeries(source.idOf(to), p);
        done += p.length;
      }
      to++;
      if (to >= source.count || done >= budget || to - from >= budget) break;
      p = undefined;
      if (source.sizeOf(to) === 0) continue;
      if (!now) break; // a queued run is one series
      p = this.pointsAt(to);
      if (p && p.length > 0 && !holdsText(p)) {
        this.keepAhead(to, p); // numeric: the next send takes it
        break;
      }
    }
    this.next = to;
    if (now) return done;
    // its turn comes after the slices before it: a copy, not read again then
    this.units.push({ from, to, held: { index: at, points: slicePoints(points, 0, points.length) } });
    return 0;
  }

  /** Writes the units whose turn it is that are ready, until about `budget` points are written here; on a failed one, the rest is encoded here. Returns the points written here. */
  private writeReady(budget: number): number {
    const units = this.units;
    let done = 0;
    while (units.length > 0 && done < budget) {
      const unit = units[0]!;
      if (unit.failed) {
        // the worker failed or died: this job encodes the rest here (the next job starts a new thread)
        this.encoder = undefined;
        this.takeBackUnits();
        return done;
      }
      if (unit.held) {
        this.writer.addSeries(this.source.idOf(unit.held.index), unit.held.points);
        done += unit.held.points.length;
      } else if (unit.encoded) {
        this.writer.addEncoded(unit.encoded);
        this.sent--;
      } else break;
      units.shift();
    }
    return done;
  }

  /** Forgets the units not written: their series are read again from the first of them. */
  private takeBackUnits(): void {
    if (this.units.length === 0) return;
    this.next = this.units[0]!.from;
    this.units.length = 0;
    this.sent = 0;
  }
}
