/** The chunk format lives in lib/chunks, shared by every storage backend (docs/storage-format.md). */
export { CHUNK_POINTS_MAX, CHUNK_POINTS_VERIFIED, chunkValuesFinite, decodeChunk, decodeChunkTimestampsInto, decodeChunkInto, writeChunk } from '../../lib/chunks';
