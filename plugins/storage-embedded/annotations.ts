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
    this.dirty = true;
  }

  /** Removes (from a write or the WAL). */
  delete(key: AnnotationKey): void {
    this.map.delete(keyOf(key));
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
    for (const a of this.map.values()) {
      if (a.startTime < range.start || a.startTime > range.end) continue;
      if (tsuids === 'global' ? a.tsuid !== undefined : wanted ? a.tsuid === undefined || !wanted.has(a.tsuid) : false) continue;
      out.push({ ...a });
    }
    return out.sort((x, y) => x.startTime - y.startTime);
  }
}
