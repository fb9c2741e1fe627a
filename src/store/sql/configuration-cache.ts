/** Freezes a document and everything in it, so that a cached object cannot be changed by a reader. */
function deepFreeze<T>(value: T): T {
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
 * interaction and changed rarely. Where this process is the only writer of the database (the
 * embedded SQLite store), reads are answered from memory and every configuration write empties the
 * cache. With several writers (PostgreSQL, several processes) it is disabled: another process's
 * change would not be seen.
 *
 * A read that overlaps a write must not store what it read: the generation counter moves before
 * and after each write, and a read stores its result only if the generation did not move meanwhile.
 * Cached values are frozen and shared: a reader that wants a changed copy spreads it.
 */
export class ConfigurationCache {
  private generation = 0;
  private readonly entries = new Map<string, unknown>();

  constructor(private readonly enabled: boolean) {}

  async read<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.enabled) return load();
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
