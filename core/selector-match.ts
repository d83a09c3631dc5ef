/**
 * Whether a series' tags pass a SeriesSelector's predicates and explicit tag keys: the
 * rule every storage engine applies when it selects series (the metric is the caller's to
 * compare). For code that meets a series some other way (by its TSUID, say) and must know
 * whether a query would have selected it.
 */
import type { SeriesSelector } from './storage';

export function tagsPassSelector(tags: Readonly<Record<string, string | undefined>>, predicates: SeriesSelector['predicates'], explicit: SeriesSelector['explicitTagKeys']): boolean {
  if (predicates) for (const p of predicates) if (!p.test(tags[p.key])) return false;
  if (explicit) {
    let n = 0;
    for (const k in tags) if (tags[k] !== undefined) n++;
    if (n !== explicit.length) return false;
    for (const k of explicit) if (!(k in tags)) return false;
  }
  return true;
}
