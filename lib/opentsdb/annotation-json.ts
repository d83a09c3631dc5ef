/**
 * An annotation as OpenTSDB 2.4.1 writes it (Jackson over meta/Annotation, NON_NULL), in
 * /api/annotation answers and in a query's `annotations` and `globalAnnotations`:
 * `tsuid` always (`""` for a global one), `description` and `notes` (`""` when unset),
 * `custom` only when set, then `startTime` and `endTime` (0 when unset), in seconds unless
 * the time has milliseconds. The key order is OpenTSDB's, as its answers show.
 */
import type { Annotation } from '../../core';

export function annotationJson(a: Annotation): Record<string, unknown> {
  return {
    tsuid: a.tsuid ?? '',
    description: a.description ?? '',
    notes: a.notes ?? '',
    ...(a.custom ? { custom: a.custom } : {}),
    startTime: secondsIfWhole(a.startTime),
    endTime: a.endTime === undefined ? 0 : secondsIfWhole(a.endTime),
  };
}

/** Annotation times are kept in ms; OpenTSDB reports seconds unless set in ms. */
function secondsIfWhole(ms: number): number {
  return ms % 1000 === 0 ? ms / 1000 : ms;
}
