/** Listing names without DSDB's internal series (core/internal-series.ts). */
import { isInternalMetric } from '../../core/internal-series';
import type { NameKind, StorageEngine } from '../../core/storage';

/**
 * `storage.suggest` without internal metric names: asks again for more when some were
 * left out, so the answer still holds `max` names whenever that many exist.
 */
export async function suggestVisible(storage: StorageEngine, kind: NameKind, prefix: string, max: number): Promise<string[]> {
  if (kind !== 'metrics' || max <= 0) return storage.suggest(kind, prefix, max);
  let ask = max;
  for (;;) {
    const names = await storage.suggest(kind, prefix, ask);
    const visible = names.filter((n) => !isInternalMetric(n));
    if (visible.length >= max || names.length < ask) return visible.slice(0, max);
    ask *= 4;
  }
}
