/**
 * Types of the things plugins contribute through the kernel's hooks. The kernel only
 * carries them; the plugins that provide and consume them give them meaning.
 */
import type { Duplex } from 'node:stream';
import type { SeriesPoints } from './storage';
import type { ValueKind } from './types';

/** ---- protocol detection ---------------------------------------------------------- */

/** Returned by a detector that cannot decide yet: wait for more bytes. */
export const NEED_MORE_BYTES: unique symbol = Symbol('dsdb.needMoreBytes');
export type NeedMoreBytes = typeof NEED_MORE_BYTES;

export interface DetectionContext {
  /** No more bytes will be waited for (bounded wait over, or the head is long enough). */
  final: boolean;
  /** Set when the stream is already inside a TLS session. */
  secure: boolean;
}

/** A detector's positive answer: the protocol name and who takes the connection. */
export interface ProtocolMatch {
  protocol: string;
  /**
   * Takes over the connection. The bytes the detector saw are still unread on `socket`
   * (pushed back), and the socket is paused; the handler resumes it.
   */
  accept(socket: Duplex, context: DetectionContext): void;
}

export type DetectionResult = ProtocolMatch | NeedMoreBytes | undefined;

/** ---- codecs ----------------------------------------------------------------------- */

/** What a codec encodes: the timestamp column or one value kind. */
export type CodecTarget = 'timestamp' | ValueKind;

export interface Codec {
  /** unique name, e.g. `xor-float` */
  name: string;
  /** one byte written in chunk headers; stable on disk forever */
  id: number;
  target: CodecTarget;
  /**
   * Whether this codec can encode points [start, end) (e.g. a decimal float codec only
   * takes values with few decimal digits). Absent means always. Engines try codecs of a
   * target in their preference order and use the first that accepts.
   */
  accepts?(points: SeriesPoints, start: number, end: number): boolean;
  /** Encodes points [start, end) of the column this codec targets. */
  encode(points: SeriesPoints, start: number, end: number): Uint8Array;
  /** Decodes `count` values into `into` from position `offset`. */
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void;
  /**
   * True when every value this codec decodes is a finite number (no NaN, no ±Infinity):
   * a float codec that only accepts such values. Readers may then count a chunk's values
   * without decoding them (lib/chunks chunkValuesFinite). Absent means unknown.
   */
  finite?: boolean;
  /**
   * Where a worker thread can load this codec: `module` (an absolute path, the plugin's own
   * `__filename`) exports it as `export`. Engines encode chunks on a worker only when every
   * codec they may write with says where it is (lib/chunks ChunkEncoder); absent, chunks
   * are encoded on the storage thread.
   */
  worker?: CodecModule;
}

/** A module a worker thread loads a codec from: `require(module)[exportName]`. */
export interface CodecModule {
  module: string;
  exportName: string;
}

/** ---- aggregators ------------------------------------------------------------------ */

/**
 * How a series that has no point at a timestamp other series have is filled in when
 * series are aggregated together (OpenTSDB's Interpolation): `lerp` linear interpolation
 * between its neighbours, `zim` zero, `max`/`min` the type's extreme (so min/max ignore
 * it), `prev` its previous value. A series only counts between its first and last point.
 */
export type Interpolation = 'lerp' | 'zim' | 'max' | 'min' | 'prev';

/**
 * An aggregation function, used both across series (group-by) and inside a series
 * (downsampling). The engine gathers the values of one timestamp or bucket into a
 * scratch typed array and makes one call: no per-point closures or allocations.
 * Implementations may reorder `values[0..count)` in place (e.g. to sort them).
 */
export interface Aggregator {
  name: string;
  interpolation: Interpolation;
  /** One line for listings and docs. */
  description?: string;
  /** Aggregates `count` numbers (count >= 1). NaN handling is the aggregator's. */
  aggregate(values: Float64Array, count: number): number;
  /**
   * Optional: joins `aggregate`'s results over consecutive parts of one set of values
   * (in order) into exactly `aggregate` of all of them — count: the sum of the counts;
   * min, max: themselves, as they skip NaN and keep the first of equal values. Only for
   * aggregators where that holds bit for bit (never sum or avg: float addition is not
   * associative). Storage engines then keep one partial value per edge bucket
   * (core DownsampleRequest.merge).
   */
  merge?(partials: Float64Array, count: number): number;
  /**
   * Optional: `aggregate` of `count` finite numbers when it depends only on how many there
   * are, not on what they are (count: `count`). A storage engine then answers a chunk whose
   * values are known finite from its header (core DownsampleRequest.ofFinite,
   * Codec.finite), without decoding a value. Never set where a value could change the result.
   */
  ofFinite?(count: number): number;
  /**
   * Integer mode, used (as OpenTSDB does) when every input is an integer; results are
   * 64-bit (wrap like Java longs). Without it, integers are aggregated as doubles.
   */
  aggregateIntegers?(values: BigInt64Array, count: number): bigint;
  /** Present on aggregators that also make sense for strings and JSON values. */
  aggregateDiscrete?(values: readonly string[], count: number): string | number;
  /**
   * Set on `none`: series are returned one by one, never aggregated, and the function
   * cannot be a downsampler.
   */
  passThrough?: boolean;
}

/** ---- stats ------------------------------------------------------------------------ */

export interface StatsCollector {
  /** Records one stat the way OpenTSDB's `stats` lists it: `tsd.<name> <ts> <value> tags`. */
  record(name: string, value: number | bigint, tags?: Record<string, string>): void;
}
