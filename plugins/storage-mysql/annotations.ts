/**
 * Annotations in MySQL: one row per (start_time, tsuid) — '' for a global annotation —
 * with the rest of the annotation as a JSON body, so OpenTSDB's fields (and `custom`)
 * round-trip without a column each. A second annotation at the same key replaces the
 * first, as OpenTSDB's `POST /api/annotation` does.
 */
import type { Annotation, TimeRange } from '../../core';
import type { Pool } from './db';
import type { Retrying } from './retrying';

export class MysqlAnnotations {
  constructor(
    private readonly pool: () => Pool,
    private readonly p: string,
    private readonly retrying: Retrying,
  ) {}

  async put(annotation: Annotation): Promise<void> {
    const body = JSON.stringify({ endTime: annotation.endTime, description: annotation.description, notes: annotation.notes, custom: annotation.custom });
    await this.retrying(
      () => this.pool().query(`INSERT INTO ${this.p}annotations (start_time, tsuid, body) VALUES (?,?,?) ON DUPLICATE KEY UPDATE body = VALUES(body)`, [annotation.startTime, annotation.tsuid ?? '', body]),
      0,
      'the annotation was not stored',
    );
  }

  async list(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    if (Array.isArray(tsuids) && tsuids.length === 0) return [];
    let sql = `SELECT start_time, tsuid, body FROM ${this.p}annotations WHERE start_time BETWEEN ? AND ?`;
    const params: unknown[] = [Number.isFinite(range.start) ? range.start : -Number.MAX_SAFE_INTEGER, Number.isFinite(range.end) ? range.end : Number.MAX_SAFE_INTEGER];
    if (tsuids === 'global') sql += ` AND tsuid = ''`;
    else if (tsuids) {
      sql += ` AND tsuid IN (${tsuids.map(() => '?').join(',')})`;
      params.push(...tsuids);
    }
    sql += ' ORDER BY start_time, tsuid';
    const [rows] = (await this.retrying(() => this.pool().query(sql, params), 0, 'annotations could not be read')) as unknown as [{ start_time: number; tsuid: string; body: string }[]];
    return rows.map((row) => {
      const body = JSON.parse(row.body) as Omit<Annotation, 'startTime' | 'tsuid'>;
      const a: Annotation = { startTime: row.start_time };
      if (row.tsuid !== '') a.tsuid = row.tsuid;
      if (body.endTime !== undefined) a.endTime = body.endTime;
      if (body.description !== undefined) a.description = body.description;
      if (body.notes !== undefined) a.notes = body.notes;
      if (body.custom !== undefined) a.custom = body.custom;
      return a;
    });
  }

  async delete(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    const [result] = (await this.retrying(
      () => this.pool().query(`DELETE FROM ${this.p}annotations WHERE start_time = ? AND tsuid = ?`, [annotation.startTime, annotation.tsuid ?? '']),
      0,
      'the annotation was not deleted',
    )) as unknown as [{ affectedRows: number }];
    return result.affectedRows > 0;
  }

}
