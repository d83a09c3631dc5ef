/**
 * Whether a series' tags pass a SeriesSelector's predicates and explicit tag keys: the
 * rule every storage engine applies when it selects series (the metric is the caller's to
 * compare). For code that meets a series some other way (by its TSUID, say) and must know
 * whether a query would have selected it.
 */
import type { SeriesSelector } from './storage';

export function tagsPassSelector(tags: Readonly<Record<string, string | undefined>>, predicates: SeriesSelector['predicates'], explicit: SeriesSelector['explicitTagKeys']): boolean {
  // own keys only: a tag key `constructor` or `toString` must not find Object.prototype's
  if (predicates) for (const p of predicates) if (!p.test(hasOwn(tags, p.key) ? tags[p.key] : undefined)) return false;
  if (explicit) {
    let n = 0;
    for (const k in tags) if (hasOwn(tags, k) && tags[k] !== undefined) n++;
    if (n !== explicit.length) return false;
    for (const k of explicit) if (!hasOwn(tags, k)) return false;
  }
  return true;
}

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
