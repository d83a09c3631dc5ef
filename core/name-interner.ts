/**
 * One string a name: metric names, tag keys and tag values, shared by every series that
 * names them. A parsed line's names are new strings (decoded from its bytes), a batch
 * posted from a parse thread brings new copies again (structured clone), and so does each
 * record of a series log read at open; without this each series held its own copy of its
 * metric and of every tag value: 11 MB of the main thread's heap with 110,000 series of
 * the benchmark's fleet, where ~1,100 distinct names exist (docs/performance.md,
 * "Fiftieth session"). Prometheus' head interns label strings for the same reason (its
 * symbol table). Used by the parse threads' series cache, the parse pool and the embedded
 * engine's series index.
 *
 * Bounded, not an LRU: a fleet with unique tag values (a container id a series) fills the
 * table with names no other series shares; at `maxNames` it starts over, which costs only
 * the sharing of the names seen before (a name interned twice is still equal, just not
 * shared). Called once a new series, never a point.
 */
export class NameInterner {
  private readonly names = new Map<string, string>();

  /** `maxNames`: distinct names kept before the table starts over (default 2^16, ~2 MB at most) */
  constructor(private readonly maxNames = 1 << 16) {}

  /** The shared string equal to `name` (`name` itself the first time). */
  intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    if (this.names.size >= this.maxNames) this.names.clear();
    this.names.set(name, name);
    return name;
  }

  /**
   * Replaces each tag value of `tags` in place by its shared string (tag keys are property
   * names, which V8 already shares); returns `tags`. In place is safe for the caller: every
   * value is replaced by an equal string. A frozen object is returned as it is.
   */
  internValues<T extends Record<string, string>>(tags: T): T {
    if (Object.isFrozen(tags)) return tags;
    // always stored: equal strings compare equal (===) whether or not they are one string
    for (const key in tags) (tags as Record<string, string>)[key] = this.intern(tags[key]!);
    return tags;
  }

  /** Forgets every name (a cache that starts over drops the names its entries shared). */
  clear(): void {
    this.names.clear();
  }

  /** Names held now. */
  get size(): number {
    return this.names.size;
  }
}
