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
import { ValueKind, type SeriesPoints } from '../../core';
import type { ChunkEncoder, EncodedChunks, EncodeSlice } from '../../lib/chunks';
import type { BlockWriter } from './block';

/** Slices sent to the encoder and not yet written. */
const IN_FLIGHT = 2;
const STRING: number = ValueKind.String;

/**
 * The job's series, by index in write order: `pointsOf(i)` gives series i's points
 * (sorted, unique timestamps; valid until the next call) or undefined when it has none,
 * `idOf(i)` its id in the block.
 */
export interface SeriesSource {
  count: number;
  pointsOf(i: number): SeriesPoints | undefined;
  idOf(i: number): number;
}

/** Series [from, to) of the source: sent to the encoder, or (`here`) to encode on this thread when their turn comes. */
interface Unit {
  from: number;
  to: number;
  here: boolean;
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

  constructor(
    private readonly source: SeriesSource,
    private readonly writer: BlockWriter,
    private encoder?: ChunkEncoder,
  ) {}

  /**
   * Encodes series until about `budget` points are done here, or with an encoder, writes
   * the slices it has answered and sends it more; true when every series is written.
   * `budget` Infinity finishes here and now: slices in flight are encoded again here.
   */
  step(budget: number): boolean {
    if (this.encoder && budget !== Infinity) {
      this.writeAnswered();
      while (this.encoder && this.units.length < IN_FLIGHT && this.next < this.source.count) this.send(budget);
      if (this.encoder) return this.next >= this.source.count && this.units.length === 0;
    }
    this.writeAnswered();
    this.takeBackUnits();
    let done = 0;
    while (this.next < this.source.count && done < budget) {
      const i = this.next++;
      done += this.writeHere(i) + 1;
    }
    return this.next >= this.source.count;
  }

  /** With slices in flight and nothing to write or send: the encoder's next answer (JobRunner waits for it). */
  idle(): Promise<void> | undefined {
    const first = this.units[0];
    if (!first || first.here || first.encoded || first.failed) return undefined;
    if (this.units.length < IN_FLIGHT && this.next < this.source.count) return undefined;
    return first.settled;
  }

  /** Drops the slices in flight (their answers are ignored). */
  abort(): void {
    this.units.length = 0;
  }

  /** Encodes series `i` here; returns its points. */
  private writeHere(i: number): number {
    const points = this.source.pointsOf(i);
    if (!points || points.length === 0) return 0;
    this.writer.addSeries(this.source.idOf(i), points);
    return points.length;
  }

  /** Sends the next series, about `budget` points of them, to the encoder (or queues a text series to encode here). */
  private send(budget: number): void {
    const source = this.source;
    const encoder = this.encoder!;
    const from = this.next;
    let slice: EncodeSlice | undefined;
    let limit = 0;
    let to = from;
    for (; to < source.count; to++) {
      const points = source.pointsOf(to);
      const n = points ? points.length : 0;
      if (n === 0) continue;
      if (holdsText(points!)) {
        if (to === from) {
          this.next = from + 1;
          this.units.push({ from, to: from + 1, here: true });
          return;
        }
        break;
      }
      // a series that would pass the budget starts the next slice (read again then), unless it is the first
      if (slice && slice.points + n > limit) break;
      if (!slice) {
        limit = Math.max(budget, n);
        slice = encoder.slice(limit);
      }
      slice.add(source.idOf(to), points!);
    }
    this.next = to;
    if (!slice) return; // no points in these series: nothing to write
    const unit: Unit = { from, to, here: false };
    unit.settled = encoder.encode(slice, this.writer.chunkPoints).then(
      (encoded) => void (unit.encoded = encoded),
      () => void (unit.failed = true),
    );
    this.units.push(unit);
  }

  /** Writes the units whose turn it is that are ready; on a failed one, the rest is encoded here. */
  private writeAnswered(): void {
    const units = this.units;
    while (units.length > 0) {
      const unit = units[0]!;
      if (unit.failed) {
        // the worker failed or died: this job encodes the rest here (the next job starts a new thread)
        this.encoder = undefined;
        return this.takeBackUnits();
      }
      if (unit.here) for (let i = unit.from; i < unit.to; i++) this.writeHere(i);
      else if (unit.encoded) this.writer.addEncoded(unit.encoded);
      else return;
      units.shift();
    }
  }

  /** Forgets the units not written: their series are read again from the first of them. */
  private takeBackUnits(): void {
    if (this.units.length === 0) return;
    this.next = this.units[0]!.from;
    this.units.length = 0;
  }
}
