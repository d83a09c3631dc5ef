/**
 * Annotations (OpenTSDB's /api/annotation): kept in memory, keyed by tsuid and start
 * time (one per key; a global annotation has no tsuid). A change is logged to the WAL
 * first (ANNOTATION / UNANNOTATE records) and `annotations.json` is rewritten at each
 * block cut, after which the WAL that held the changes is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Annotation, Logger, TimeRange } from '../../core';
import { fsyncDir } from './sync-file';
import type { AnnotationKey } from './wal-records';

function keyOf(a: AnnotationKey): string {
  return `${a.tsuid ?? ''}@${a.startTime}`;
}

export class AnnotationStore {
  private readonly map = new Map<string, Annotation>();
  /**
   * The annotations by start time (ties in the map's order), made on the first query after a
   * change: every /api/query sub-query reads the annotations of its rows' range, and
   * annotations change rarely, so a query finds its range by binary search, not by a pass
   * over all of them.
   */
  private byTime: Annotation[] | undefined;
  /** changed since the last save */
  private dirty = false;

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  private get file(): string {
    return path.join(this.dataDir, 'annotations.json');
  }

  /** Reads annotations.json; a file that does not parse is set aside as .corrupt and logged. */
  load(): void {
    if (!fs.existsSync(this.file)) return;
    try {
      for (const a of JSON.parse(fs.readFileSync(this.file, 'utf8')) as Annotation[]) this.map.set(keyOf(a), a);
      this.byTime = undefined;
    } catch (err) {
      fs.renameSync(this.file, this.file + '.corrupt');
      this.log.error({ file: this.file, err: (err as Error).message }, 'corrupt annotations file: set aside as .corrupt');
    }
  }

  /** Rewrites annotations.json if anything changed (temporary file, fsync, rename). Throws the system error. */
  save(): void {
    if (!this.dirty) return;
    const tmp = this.file + '.tmp';
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify([...this.map.values()]));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    fsyncDir(this.dataDir);
    this.dirty = false;
  }

  has(key: AnnotationKey): boolean {
    return this.map.has(keyOf(key));
  }

  /** Adds or replaces (from a write or the WAL). */
  put(a: Annotation): void {
    this.map.set(keyOf(a), a);
    this.byTime = undefined;
    this.dirty = true;
  }

  /** Removes (from a write or the WAL). */
  delete(key: AnnotationKey): void {
    this.map.delete(keyOf(key));
    this.byTime = undefined;
    this.dirty = true;
  }

  /**
   * Copies of the annotations starting in `range` (ms, inclusive), oldest first: those of
   * the given tsuids, only global ones for 'global', or all when `tsuids` is undefined.
   */
  query(range: TimeRange, tsuids?: readonly string[] | 'global'): Annotation[] {
    const out: Annotation[] = [];
    // a query asks for all its series' TSUIDs at once (thousands): look them up in a set
    const wanted = tsuids !== undefined && tsuids !== 'global' ? new Set(tsuids) : undefined;
    const byTime = (this.byTime ??= [...this.map.values()].sort((x, y) => x.startTime - y.startTime));
    for (let i = firstAtOrAfter(byTime, range.start); i < byTime.length; i++) {
      const a = byTime[i]!;
      if (a.startTime > range.end) break;
      if (tsuids === 'global' ? a.tsuid !== undefined : wanted ? a.tsuid === undefined || !wanted.has(a.tsuid) : false) continue;
      out.push({ ...a });
    }
    return out;
  }
}

/** The index of the first annotation starting at or after `t` (`sorted` by start time). */
function firstAtOrAfter(sorted: readonly Annotation[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.startTime < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
