/**
 * Integrity check of an embedded data directory, without opening the engine (the
 * directory is locked like a daemon would lock it). It checks:
 *  - series.log, meta.log and every WAL segment: checksummed records up to the end of the file;
 *    one id per series key; every WAL SAMPLES record names known series;
 *  - every block: magic, footer and index checksum, then every chunk: its CRC, that it
 *    decodes to the number of points the index says, that its timestamps ascend and
 *    match the index's min/max, and that its series is in the series index.
 * A block whose footer is damaged but whose index checks out in full without it is read
 * (BlockReader.recoverFooter) and reported.
 * `fix` repairs what can be repaired without guessing: a damaged footer is written again, a corrupt record tail is cut (as
 * the engine does at open), a record file with bad records in the middle is rewritten to
 * its valid records, an unreadable block is set aside as `.corrupt`, and a block
 * with bad or orphan chunks is rewritten without them after a copy of the original is
 * kept as `<block>.corrupt` — nothing is deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ByteReader, seriesKeyString, ValueKind, type SeriesPoints, type Tags } from '../../core';
import { BlockReader, BlockWriter, blockFooter, blockSeqOf, FOOTER_BYTES, type ChunkRef, type IndexLocation } from './block';
import type { CodecSet } from './codec-set';
import { lockDir } from './lock';
import { META_LOG } from './meta-log';
import { rewriteRecords, scanRecords, type RecordScanOptions } from './record-file';
import { readSeriesPayload } from './series-log';
import { REC_SAMPLES, REC_SERIES, isWalRecordType, readSamplesIds, readSeriesBody } from './wal-records';

export interface FsckProblem {
  /** file relative to the data directory */
  file: string;
  message: string;
  /** what --fix did about it; undefined when not fixed */
  fixed?: string;
}

export interface FsckReport {
  dataDir: string;
  series: number;
  blocks: number;
  chunks: number;
  points: number;
  walSegments: number;
  problems: FsckProblem[];
}

/** A name for a kept copy that does not overwrite an earlier one. */
function asideName(file: string): string {
  let name = `${file}.corrupt`;
  for (let n = 1; fs.existsSync(name); n++) name = `${file}.corrupt.${n}`;
  return name;
}

/**
 * Checks a checksummed record file; returns its payloads. `--fix` rewrites a file with bad
 * records in the middle to its valid records only, and cuts a corrupt tail off; the
 * original is kept beside it either way.
 */
function checkRecords(dir: string, file: string, fix: boolean, problems: FsckProblem[], options: RecordScanOptions = {}): Uint8Array[] {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) return [];
  const scan = scanRecords(fs.readFileSync(full), options);
  if (scan.skipped.length > 0) {
    const where = scan.skipped.map((s) => `${s.reason} at byte ${s.offset} (${s.bytes} bytes)`).join('; ');
    const problem: FsckProblem = { file, message: `${scan.skipped.length} bad record(s) in the middle, valid records after them: ${where}` };
    if (fix) {
      fs.copyFileSync(full, asideName(full));
      rewriteRecords(full, scan.records);
      problem.fixed = `rewritten with its ${scan.records.length} valid records (the original is kept beside it)`;
    }
    problems.push(problem);
    if (fix) return scan.records;
  }
  if (scan.corruption) {
    const { offset, reason, droppedBytes } = scan.corruption;
    const problem: FsckProblem = { file, message: `${reason} at byte ${offset} (${droppedBytes} bytes after the last valid record)` };
    if (fix) {
      fs.copyFileSync(full, asideName(full));
      fs.truncateSync(full, scan.validBytes);
      problem.fixed = `truncated to ${scan.validBytes} bytes (the original is kept beside it)`;
    }
    problems.push(problem);
  }
  return scan.records;
}

/** Why a decoded chunk disagrees with its index entry, or undefined. */
function chunkMismatch(points: SeriesPoints, ref: ChunkRef): string | undefined {
  for (let i = 1; i < points.length; i++) if (!(points.timestamps[i]! > points.timestamps[i - 1]!)) return `timestamps do not ascend at point ${i}`;
  if (points.length > 0 && (points.timestamps[0] !== ref.minT || points.timestamps[points.length - 1] !== ref.maxT)) return 'time range differs from the block index';
  return undefined;
}

const INT: number = ValueKind.Int;
const FLOAT: number = ValueKind.Float;

/**
 * A count trusts the index's flag that every value is finite without reading the chunk
 * (DSDBEND4): a flag claiming a value the chunk does not hold would miscount. The points
 * are good; a rewrite takes the flag from the chunk's header again.
 */
function flagMismatch(points: SeriesPoints, ref: ChunkRef): string | undefined {
  if (ref.finite !== true) return undefined;
  for (let i = 0; i < points.length; i++) {
    const kind = points.kinds[i];
    if (kind === INT || (kind === FLOAT && Number.isFinite(points.floats[i]!))) continue;
    return `the block index says every value is a finite number, but point ${i} is not`;
  }
  return undefined;
}

export function fsckEmbedded(dataDir: string, codecs: CodecSet, fix: boolean): FsckReport {
  if (!fs.existsSync(dataDir)) throw new Error(`no data directory at ${dataDir}`);
  const unlock = lockDir(dataDir);
  try {
    const problems: FsckProblem[] = [];
    const report: FsckReport = { dataDir, series: 0, blocks: 0, chunks: 0, points: 0, walSegments: 0, problems };

    // series: from series.log, and those the WAL defines since the last checkpoint
    const known = new Set<number>();
    const idOfKey = new Map<string, number>();
    const defineSeries = (id: number, metric: string, tags: Tags, file: string) => {
      const key = seriesKeyString(metric, tags);
      const other = idOfKey.get(key);
      if (other !== undefined && other !== id) problems.push({ file, message: `series ${key} has two ids, ${other} and ${id}` });
      idOfKey.set(key, id);
      known.add(id);
    };
    const definePayload = (payload: Uint8Array, file: string, read: (payload: Uint8Array) => { id: number; metric: string; tags: Tags }[]) => {
      let series;
      try {
        series = read(payload);
      } catch (err) {
        const id = payload[0] === 0 ? 'batch' : `series ${new ByteReader(payload).uvarint()}`; // for the message: the rest does not parse
        problems.push({ file, message: `${id}: unreadable definition (${(err as Error).message})` });
        return;
      }
      for (const s of series) defineSeries(s.id, s.metric, s.tags, file);
    };
    for (const payload of checkRecords(dataDir, 'series.log', fix, problems)) definePayload(payload, 'series.log', readSeriesPayload);
    checkRecords(dataDir, META_LOG, fix, problems);
    const walDir = path.join(dataDir, 'wal');
    const segments = fs.existsSync(walDir) ? fs.readdirSync(walDir).filter((f) => /^\d{10}\.wal$/.test(f)).sort() : [];
    const samples: { file: string; ids: number[] }[] = [];
    for (const segment of segments) {
      report.walSegments++;
      const file = path.join('wal', segment);
      for (const payload of checkRecords(dataDir, file, fix, problems, { firstByte: isWalRecordType })) {
        if (payload[0] === REC_SERIES) definePayload(payload.subarray(1), file, (body) => [readSeriesBody(new ByteReader(body))]);
        else if (payload[0] === REC_SAMPLES) {
          // header only: the series ids
          samples.push({ file, ids: readSamplesIds(new ByteReader(payload.subarray(1))) });
        }
      }
    }
    // checked once every SERIES record is known: a record may precede its use in a later segment only
    for (const { file, ids } of samples) {
      const unknown = ids.filter((id) => !known.has(id));
      if (unknown.length > 0) problems.push({ file, message: `a SAMPLES record names series id(s) no index defines: ${unknown.join(', ')}` });
    }
    report.series = known.size;

    const blocksDir = path.join(dataDir, 'blocks');
    const files = fs.existsSync(blocksDir) ? fs.readdirSync(blocksDir).sort() : [];
    for (const name of files) {
      const seq = blockSeqOf(name);
      if (seq === undefined) continue;
      const file = path.join('blocks', name);
      const full = path.join(dataDir, file);
      let block: BlockReader;
      try {
        block = new BlockReader(full, seq, codecs);
      } catch (err) {
        const problem: FsckProblem = { file, message: `unreadable block: ${(err as Error).message}` };
        if (fix) {
          const aside = asideName(full);
          fs.renameSync(full, aside);
          problem.fixed = `set aside as ${path.basename(aside)} (its points cannot be read)`;
        }
        problems.push(problem);
        continue;
      }
      report.blocks++;
      const good: { ref: ChunkRef; points: SeriesPoints }[] = [];
      const bad: string[] = [];
      const misflagged: string[] = [];
      block.refs.forEach((ref, i) => {
        report.chunks++;
        const where = `chunk ${i} (series ${ref.seriesId}, offset ${ref.offset}, ${ref.count} points)`;
        let points: SeriesPoints;
        try {
          points = block.readChunk(ref);
        } catch (err) {
          bad.push(`${where}: ${(err as Error).message.replace(/ in \S+ at \d+$/, '')}`);
          return;
        }
        const mismatch = chunkMismatch(points, ref) ?? (known.has(ref.seriesId) ? undefined : 'its series is in no series index (an orphan)');
        if (mismatch) bad.push(`${where}: ${mismatch}`);
        else {
          const flag = flagMismatch(points, ref);
          if (flag) misflagged.push(`${where}: ${flag}`);
          report.points += points.length;
          good.push({ ref, points });
        }
      });
      const superseded = block.superseded;
      const { footerDamage, indexLocation } = block;
      block.close();
      if (footerDamage !== undefined) {
        const problem: FsckProblem = { file, message: `damaged footer (${footerDamage}); its index was found without it and every chunk checked against its CRC32` };
        if (fix && bad.length === 0 && misflagged.length === 0) problem.fixed = rewriteFooter(full, indexLocation);
        else if (fix) problem.fixed = 'a new footer with the block rewritten (below)';
        problems.push(problem);
      }
      if (bad.length === 0 && misflagged.length === 0) continue;
      const fixedNote = fix ? rewriteBlock(full, codecs, superseded, good) : undefined;
      for (const message of bad) problems.push({ file, message, fixed: fixedNote });
      const reflagged = fix ? `${fixedNote}; its flags taken from the chunks' headers again` : undefined;
      for (const message of misflagged) problems.push({ file, message, fixed: reflagged });
    }
    return report;
  } finally {
    unlock();
  }
}

/** Writes a damaged footer again over the index found without it (BlockReader.recoverFooter), keeping the original beside it. */
function rewriteFooter(full: string, location: IndexLocation): string {
  const aside = asideName(full);
  fs.copyFileSync(full, aside);
  const fd = fs.openSync(full, 'r+');
  try {
    const index = Buffer.alloc(location.length);
    fs.readSync(fd, index, 0, location.length, location.offset);
    fs.writeSync(fd, blockFooter(location, index), 0, FOOTER_BYTES, location.offset + location.length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return `footer written again; the original is kept as ${path.basename(aside)}`;
}

/** Rewrites a block with its good chunks only, keeping the original beside it. */
function rewriteBlock(full: string, codecs: CodecSet, superseded: readonly number[], good: { ref: ChunkRef; points: SeriesPoints }[]): string {
  const aside = asideName(full);
  fs.copyFileSync(full, aside);
  // chunks keep their boundaries: one chunk in, one chunk out
  const maxPoints = Math.max(1, ...good.map((g) => g.points.length));
  const writer = new BlockWriter(full, codecs, maxPoints, superseded);
  try {
    for (const { ref, points } of good) writer.addSeries(ref.seriesId, points);
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return `block rewritten without the bad chunks; the original is kept as ${path.basename(aside)}`;
}
