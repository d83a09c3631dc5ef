/**
 * `lib/chunks`: the one chunk format of every storage backend and the resolution of its
 * codecs against the kernel's `codecs` registry (filled by the codec-* plugins). Shared,
 * feature-level code: it imports only the kernel, and storage plugins import it.
 *  - codec-set.ts: CodecSet (preferred codecs per column, every codec by id), DEFAULT_CODECS;
 *  - chunk.ts: encodeChunk / decodeChunk, the chunk bytes (docs/storage-format.md);
 *  - stored.ts: a chunk stored on its own (a row, a document): format byte, optional crc32;
 *  - buckets.ts: downsampling in the engine (per-run bucket summaries an engine may keep);
 *  - run-merge.ts: a series' sorted runs merged as read() merges them (last write wins);
 *  - merge-numeric.ts: overlapping numeric runs merged into doubles, for downsampling;
 *  - merge-finite.ts: a count over overlapping runs of finite numbers, from their timestamps alone;
 *  - series-chunks.ts: a series cut into chunks, with each chunk's index entry (a block's);
 *  - chunk-encoder.ts (+ encode-worker.ts): chunks encoded on a worker thread, for block cuts.
 */
export { ALL_CODEC_COLUMNS, CODEC_PLUGINS, CodecSet, DEFAULT_CODECS, NUMERIC_CODEC_COLUMNS, type CodecColumn, type CodecPreferences } from './codec-set';
export { CHUNK_POINTS_MAX, CHUNK_POINTS_VERIFIED, chunkPointCount, chunkValuesFinite, decodeChunk, decodeChunkTimestampsInto, decodeChunkInto, encodeChunk, writeChunk } from './chunk';
export {
  decodeStoredChunk,
  decodeStoredChunkInto,
  encodeStoredChunk,
  isStoredChunk,
  STORED_CHUNK,
  STORED_CHUNK_CRC,
  storedChunkBody,
  storedChunkFormat,
  storedChunkPointCount,
  type StoredChunkOptions,
} from './stored';
export { floorToInterval, isNumericRun, mergeRuns, runBytes, summariseFiniteRun, summariseRun, type RunBuckets } from './buckets';
export { RunMerge, type SortedRun } from './run-merge';
export { mergeNumericParts, type MergedNumeric, type NumericPart } from './merge-numeric';
export { summariseFiniteParts } from './merge-finite';
export { rateOfDoubles, type RatedDoubles } from './bucket-rate';
export { downsamplePoints, type PointsBuckets } from './downsample-points';
export { ChunkEncoder, DEFAULT_ANSWER_TIMEOUT_MS, EncodeSlice, type ChunkEncoderOptions, type EncodedChunks } from './chunk-encoder';
export { CHUNK_META_FIELDS, chunkCount, writeSeriesChunks } from './series-chunks';
