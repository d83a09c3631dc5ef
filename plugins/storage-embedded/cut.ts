/**
 * A block cut: the frozen head encoded into a new block (Prometheus' head compaction).
 * Starting one rotates the WAL and freezes the head, so writes go on into fresh heads and
 * a new segment; once the block is installed, the segments before `keepFrom` hold nothing
 * that is not in a block and the engine drops them. Run by a JobRunner.
 *
 * With a ChunkEncoder the series are encoded on its worker thread, IN_FLIGHT slices of
 * about a step's budget at a time, and this thread only copies their columns out and
 * writes the answers, in series order: a cut no longer takes ~15% of the storage thread
 * from ingest. Series with text values, and everything after a worker failure, are
 * encoded here; so is whatever is left when the cut must finish now (step(Infinity)).
 */
import type { ChunkEncoder, EncodedChunks } from '../../lib/chunks';
import type { BackgroundJob } from './background-job';
import type { BlockWriter } from './block';
import type { BlockSet } from './block-set';
import type { Head, HeadColumns } from './head';
import type { SeriesEntry } from './series-index';

/** Slices sent to the encoder and not yet written. */
const IN_FLIGHT = 2;

/** Series [from, to) of a cut's entries: sent to the encoder, or (`here`) to encode on this thread when their turn comes. */
interface Unit {
  from: number;
  to: number;
  here: boolean;
  encoded?: EncodedChunks;
  failed?: boolean;
  /** settles (never rejects) when the encoder has answered */
  settled?: Promise<void>;
}

export class CutJob implements BackgroundJob {
  /** series whose frozen heads this cut encodes, in id order */
  private readonly entries: SeriesEntry[];
  private readonly seq: number;
  /** absent when the head was empty: the cut then only rotates the WAL */
  private readonly writer?: BlockWriter;
  private next = 0;
  /** Series sent to the encoder or waiting their turn here, in order. */
  private readonly units: Unit[] = [];
  /** performance.now() at the start, for lastCheckpointMs */
  readonly started = performance.now();
  /** points in the frozen head */
  readonly points: number;
  /** the newest points carried back into the live head (Head.carryBack), for the caller to log again */
  readonly carried?: HeadColumns & { ids: Uint32Array };

  /**
   * Freezes `head`, keeping each series' points of its last `holdBackMs` live (Head.carryBack;
   * 0: none). `keepFrom` is the first WAL segment written after the freeze (from
   * Wal.rotate()): the ones before it are dropped once the block is installed, so the caller
   * logs `carried` in it before any other write. Throws when the block file cannot be
   * created (the head is given back).
   */
  constructor(
    private readonly head: Head,
    private readonly blocks: BlockSet,
    readonly keepFrom: number,
    holdBackMs = 0,
    private encoder?: ChunkEncoder,
  ) {
    this.entries = head.freeze();
    if (holdBackMs > 0) this.carried = head.carryBack(this.entries, holdBackMs);
    this.points = head.frozenPoints;
    this.seq = blocks.allocSeq();
    try {
      this.writer = this.entries.length > 0 ? blocks.writer(this.seq) : undefined;
    } catch (err) {
      head.thaw(this.entries);
      throw err;
    }
  }

  /**
   * Encodes frozen series until about `budget` points are done, or with an encoder, writes
   * the slices it has answered and sends it more; true when every series is written.
   * `budget` Infinity finishes here and now: slices in flight are encoded again here.
   */
  step(budget: number): boolean {
    if (this.encoder && budget !== Infinity) {
      this.writeAnswered();
      while (this.encoder && this.units.length < IN_FLIGHT && this.next < this.entries.length) this.send(budget);
      if (this.encoder) return this.next >= this.entries.length && this.units.length === 0;
    }
    this.writeAnswered();
    this.takeBackUnits();
    let done = 0;
    while (this.next < this.entries.length && done < budget) {
      const entry = this.entries[this.next++]!;
      const frozen = entry.frozen;
      if (frozen && frozen.length > 0) {
        this.writer!.addSeries(entry.id, frozen);
        done += frozen.length;
      }
    }
    return this.next >= this.entries.length;
  }

  /** With slices in flight and none to write or send: the encoder's next answer (JobRunner waits for it). */
  idle(): Promise<void> | undefined {
    const first = this.units[0];
    if (!first || first.here || first.encoded || first.failed) return undefined;
    if (this.units.length < IN_FLIGHT && this.next < this.entries.length) return undefined;
    return first.settled;
  }

  /** Sends the next series, about `budget` points of them, to the encoder (or queues a text series to encode here). */
  private send(budget: number): void {
    const entries = this.entries;
    const from = this.next;
    const first = entries[from]!.frozen;
    if (first && first.texts.length > 0) {
      this.next = from + 1;
      this.units.push({ from, to: from + 1, here: true });
      return;
    }
    let to = from;
    let points = 0;
    for (; to < entries.length; to++) {
      const frozen = entries[to]!.frozen;
      const n = frozen ? frozen.length : 0;
      if (frozen && frozen.texts.length > 0) break;
      if (to > from && points + n > budget) break;
      points += n;
    }
    this.next = to;
    if (points === 0) return; // nothing frozen in these: nothing to write
    const encoder = this.encoder!;
    const slice = encoder.slice(points);
    for (let i = from; i < to; i++) {
      const entry = entries[i]!;
      if (entry.frozen && entry.frozen.length > 0) slice.add(entry.id, entry.frozen);
    }
    const unit: Unit = { from, to, here: false };
    unit.settled = encoder.encode(slice, this.writer!.chunkPoints).then(
      (encoded) => void (unit.encoded = encoded),
      () => void (unit.failed = true),
    );
    this.units.push(unit);
  }

  /** Writes the units whose turn it is that are answered (or to be encoded here); on a failed one, the rest is encoded here. */
  private writeAnswered(): void {
    const units = this.units;
    while (units.length > 0) {
      const unit = units[0]!;
      if (unit.failed) {
        // the worker failed or died: this cut encodes the rest here (its next starts a new thread)
        this.encoder = undefined;
        return this.takeBackUnits();
      }
      if (unit.here) {
        for (let i = unit.from; i < unit.to; i++) {
          const entry = this.entries[i]!;
          if (entry.frozen && entry.frozen.length > 0) this.writer!.addSeries(entry.id, entry.frozen);
        }
      } else if (unit.encoded) {
        this.writer!.addEncoded(unit.encoded);
      } else return;
      units.shift();
    }
  }

  /** Forgets the units not written: their series are encoded again from the first of them. */
  private takeBackUnits(): void {
    if (this.units.length === 0) return;
    this.next = this.units[0]!.from;
    this.units.length = 0;
  }

  /** Installs the block and drops the frozen head. */
  finish(): void {
    if (this.writer) {
      try {
        this.writer.finish();
        this.blocks.add(this.seq);
      } catch (err) {
        this.abort();
        throw err;
      }
    }
    this.head.release(this.entries);
  }

  /** Gives the frozen points back to the head (the WAL before the cut is still on disk). */
  abort(): void {
    this.units.length = 0; // answers still to come are dropped with them
    this.writer?.abort();
    this.head.thaw(this.entries);
  }
}
