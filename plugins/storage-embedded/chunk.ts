/** The chunk format lives in lib/chunks, shared by every storage backend (docs/storage-format.md). */
export { CHUNK_POINTS_MAX, decodeChunk, decodeChunkInto, encodeChunk } from '../../lib/chunks';
