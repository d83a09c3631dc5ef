/**
 * Annotations in Riak: one object per (tsuid, start time) — tsuid '' for a global one —
 * in a last-write-wins bucket (a second annotation at the same key replaces the first,
 * as OpenTSDB's POST /api/annotation does), with a `start_int` index for "every
 * annotation in a time range"; a tsuid's annotations are one `$key` range.
 */
import type { Annotation, TimeRange } from '../../core';
import type { RiakHttp } from './http';
import { annotationKey } from './keys';
import type { Retrying } from './retrying';

const LIMIT = 9e15;
const clamp = (t: number) => Math.max(-LIMIT, Math.min(LIMIT, t));

export class RiakAnnotations {
  constructor(
    private readonly http: RiakHttp,
    private readonly bucket: string,
    private readonly retrying: Retrying,
  ) {}

  put(annotation: Annotation): Promise<void> {
    const body = JSON.stringify({ startTime: annotation.startTime, tsuid: annotation.tsuid, endTime: annotation.endTime, description: annotation.description, notes: annotation.notes, custom: annotation.custom });
    return this.retrying(
      async () => {
        await this.http.store(this.bucket, annotationKey(annotation.tsuid, annotation.startTime), body, { contentType: 'application/json', indexes: { start_int: [Math.round(clamp(annotation.startTime))] } });
      },
      0,
      'the annotation was not stored',
    );
  }

  async list(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    if (Array.isArray(tsuids) && tsuids.length === 0) return [];
    const start = clamp(range.start);
    const end = clamp(range.end);
    return this.retrying(
      async () => {
        let keys: string[];
        if (tsuids === undefined) keys = (await this.http.index(this.bucket, 'start_int', { start: Math.ceil(start), end: Math.floor(end) })).map((e) => e.key);
        else {
          keys = [];
          for (const tsuid of tsuids === 'global' ? [''] : tsuids) {
            for (const e of await this.http.index(this.bucket, '$key', { start: annotationKey(tsuid, start), end: annotationKey(tsuid, end) })) keys.push(e.key);
          }
        }
        const found = await Promise.all([...new Set(keys)].map((key) => this.http.fetch(this.bucket, key)));
        const out: Annotation[] = [];
        for (const object of found) {
          const live = object?.siblings.find((s) => !s.deleted && s.value.length > 0);
          if (!live) continue; // deleted after the index answered
          const body = JSON.parse(live.value.toString('utf8')) as Annotation;
          if (body.startTime < range.start || body.startTime > range.end) continue;
          const a: Annotation = { startTime: body.startTime };
          for (const field of ['tsuid', 'endTime', 'description', 'notes', 'custom'] as const) if (body[field] !== undefined && body[field] !== null) (a as unknown as Record<string, unknown>)[field] = body[field];
          out.push(a);
        }
        return out.sort((a, b) => a.startTime - b.startTime || (a.tsuid ?? '').localeCompare(b.tsuid ?? ''));
      },
      0,
      'annotations could not be read',
    );
  }

  delete(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    const key = annotationKey(annotation.tsuid, annotation.startTime);
    return this.retrying(
      async () => {
        const object = await this.http.fetch(this.bucket, key);
        if (!object || !object.siblings.some((s) => !s.deleted)) return false;
        await this.http.remove(this.bucket, key, object.vclock);
        return true;
      },
      0,
      'the annotation was not deleted',
    );
  }
}
