/** Freezes a document and everything in it, so that a cached object cannot be changed by a reader. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Beyond this many entries the cache starts over (lookups by address can name anything). */
const maxEntries = 10_000;

/**
 * Configuration (tenants, queues, channels, entry points, flows, API keys…) is read on every
 * interaction and changed rarely. The embedded SQLite store belongs to one process, which sees every
 * write: reads are answered from memory and every configuration write empties the cache. (With
 * several writers, as PostgreSQL allows, another process's change would not be seen: no cache there.)
 *
 * A read that overlaps a write must not store what it read: the generation counter moves before
 * and after each write, and a read stores its result only if the generation did not move meanwhile.
 * Cached values are frozen and shared: a reader that wants a changed copy spreads it.
 */
export class ConfigurationCache {
  private generation = 0;
  private readonly entries = new Map<string, unknown>();

  async read<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation) {
      if (this.entries.size >= maxEntries) this.entries.clear();
      this.entries.set(key, deepFreeze(value));
    }
    return value;
  }

  async write<T>(change: () => Promise<T>): Promise<T> {
    this.invalidate();
    try {
      return await change();
    } finally {
      this.invalidate();
    }
  }

  private invalidate(): void {
    this.generation++;
    this.entries.clear();
  }
}
