/**
 * Annotations as documents `a:<start>:<tsuid>` ('' tsuid for a global one) holding the
 * rest of the annotation, so a time range is an id range scan; OpenTSDB's fields (and
 * `custom`) round-trip without a schema. A second annotation at the same key replaces
 * the first, as OpenTSDB's `POST /api/annotation` does (409 → read the revision → again).
 */
import type { Annotation, TimeRange } from '../../core';
import { isConflict, type Couch } from './couch';
import { annotationDocId, annotationRange } from './ids';
import type { Retrying } from './retrying';

interface AnnotationDoc extends Omit<Annotation, 'tsuid'> {
  _id: string;
  _rev?: string;
  type: 'annotation';
  tsuid: string;
}

export class CouchAnnotations {
  constructor(
    private readonly couch: Couch,
    private readonly retrying: Retrying,
  ) {}

  async put(annotation: Annotation): Promise<void> {
    const id = annotationDocId(annotation.startTime, annotation.tsuid);
    const doc: AnnotationDoc = { _id: id, type: 'annotation', startTime: annotation.startTime, tsuid: annotation.tsuid ?? '' };
    if (annotation.endTime !== undefined) doc.endTime = annotation.endTime;
    if (annotation.description !== undefined) doc.description = annotation.description;
    if (annotation.notes !== undefined) doc.notes = annotation.notes;
    if (annotation.custom !== undefined) doc.custom = annotation.custom;
    await this.retrying(
      async () => {
        for (let round = 0; ; round++) {
          const current = await this.current(id);
          try {
            await this.couch.request({ method: 'PUT', path: encodeURIComponent(id), body: current ? { ...doc, _rev: current } : doc });
            return;
          } catch (err) {
            if (!isConflict(err) || round >= 20) throw err;
          }
        }
      },
      0,
      'the annotation was not stored',
    );
  }

  /** The document's current revision, or undefined when there is none. */
  private async current(id: string): Promise<string | undefined> {
    const [row] = await this.couch.fetch<AnnotationDoc>([id]);
    return row?.doc?._rev;
  }

  async list(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    if (Array.isArray(tsuids) && tsuids.length === 0) return [];
    const [start, end] = annotationRange(Number.isFinite(range.start) ? range.start : -Number.MAX_SAFE_INTEGER, Number.isFinite(range.end) ? range.end : Number.MAX_SAFE_INTEGER);
    const rows = await this.retrying(() => this.couch.range<AnnotationDoc>(start, end), 0, 'annotations could not be read');
    const wanted = Array.isArray(tsuids) ? new Set(tsuids) : undefined;
    const out: Annotation[] = [];
    for (const { doc } of rows) {
      if (!doc || doc.type !== 'annotation') continue;
      if (tsuids === 'global' ? doc.tsuid !== '' : wanted && !wanted.has(doc.tsuid)) continue;
      const a: Annotation = { startTime: doc.startTime };
      if (doc.tsuid !== '') a.tsuid = doc.tsuid;
      if (doc.endTime !== undefined) a.endTime = doc.endTime;
      if (doc.description !== undefined) a.description = doc.description;
      if (doc.notes !== undefined) a.notes = doc.notes;
      if (doc.custom !== undefined) a.custom = doc.custom;
      out.push(a);
    }
    return out;
  }

  async delete(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    const id = annotationDocId(annotation.startTime, annotation.tsuid);
    return this.retrying(
      async () => {
        for (let round = 0; ; round++) {
          const rev = await this.current(id);
          if (rev === undefined) return false;
          try {
            await this.couch.request({ method: 'DELETE', path: encodeURIComponent(id), qs: { rev } });
            return true;
          } catch (err) {
            if (!isConflict(err) || round >= 20) throw err;
          }
        }
      },
      0,
      'the annotation was not deleted',
    );
  }
}
