/**
 * Annotations in the UID table: one row per (start time, tsuid) — '' for a global one —
 * keyed so that a time range is one row-key range scan, with the rest of the annotation
 * as a JSON cell, so OpenTSDB's fields (and `custom`) round-trip without a column each.
 * A second annotation at the same key replaces the first, as OpenTSDB's
 * `POST /api/annotation` does.
 */
import type { Annotation, TimeRange } from '../../core';
import { annotationBound, annotationKey, prefixEnd, UID_FAMILY } from './keys';
import type { HBaseRest } from './rest';
import type { Retrying } from './retrying';

const COL = Buffer.from(`${UID_FAMILY}:a`);

export class HBaseAnnotations {
  constructor(
    private readonly rest: HBaseRest,
    private readonly table: string,
    private readonly retrying: Retrying,
  ) {}

  async put(a: Annotation): Promise<void> {
    const body = JSON.stringify({ startTime: a.startTime, tsuid: a.tsuid, endTime: a.endTime, description: a.description, notes: a.notes, custom: a.custom });
    await this.retrying(() => this.rest.put(this.table, [{ row: annotationKey(a.startTime, a.tsuid ?? ''), column: COL, value: Buffer.from(body) }]), 0, 'the annotation was not stored');
  }

  async list(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    if (Array.isArray(tsuids) && tsuids.length === 0) return [];
    const wanted = Array.isArray(tsuids) ? new Set(tsuids) : undefined;
    const rows = await this.retrying(() => this.rest.scanAll(this.table, { startRow: annotationBound(range.start), endRow: prefixEnd(annotationBound(range.end)) }), 0, 'annotations could not be read');
    const out: Annotation[] = [];
    for (const row of rows) {
      const cell = row.cells.find((c) => c.column.equals(COL));
      if (!cell) continue;
      const body = JSON.parse(cell.value.toString()) as Annotation;
      if (body.startTime < range.start || body.startTime > range.end) continue;
      if (tsuids === 'global' ? body.tsuid !== undefined : wanted && (body.tsuid === undefined || !wanted.has(body.tsuid))) continue;
      const a: Annotation = { startTime: body.startTime };
      if (body.tsuid !== undefined) a.tsuid = body.tsuid;
      if (body.endTime !== undefined) a.endTime = body.endTime;
      if (body.description !== undefined) a.description = body.description;
      if (body.notes !== undefined) a.notes = body.notes;
      if (body.custom !== undefined) a.custom = body.custom;
      out.push(a);
    }
    return out;
  }

  async delete(a: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    const key = annotationKey(a.startTime, a.tsuid ?? '');
    return this.retrying(
      async () => {
        if (!(await this.rest.get(this.table, key))) return false;
        await this.rest.deleteColumns(this.table, key, []);
        return true;
      },
      0,
      'the annotation was not deleted',
    );
  }
}
