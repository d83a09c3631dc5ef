import { DsdbError } from './errors';

/**
 * A named table that plugins fill through a registry hook (storage engines, codecs,
 * aggregators, telnet commands…). Names are unique: a second plugin claiming a taken
 * name is a start-up error naming both, rather than a silent override.
 */
export class Registry<T> implements Iterable<[string, T]> {
  private readonly entries = new Map<string, { value: T; owner: string }>();

  constructor(readonly kind: string) {}

  /** Adds `value` under `name`; `owner` is the plugin name, used in error messages. */
  add(name: string, value: T, owner = 'unknown'): this {
    const existing = this.entries.get(name);
    if (existing) {
      throw new DsdbError(
        'DSDB_ERR_DUPLICATE_NAME',
        `${this.kind} "${name}" is registered twice (by plugin "${existing.owner}" and by plugin "${owner}")`,
      );
    }
    this.entries.set(name, { value, owner });
    return this;
  }

  get(name: string): T | undefined {
    return this.entries.get(name)?.value;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  ownerOf(name: string): string | undefined {
    return this.entries.get(name)?.owner;
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
  }

  *[Symbol.iterator](): Iterator<[string, T]> {
    for (const [name, entry] of this.entries) yield [name, entry.value];
  }
}
