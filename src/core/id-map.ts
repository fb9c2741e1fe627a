/**
 * A map for long-lived collections whose entries come and go all day (the open interactions, the
 * calls waiting for the store thread, the armed timers), keyed by id.
 *
 * Why not a Map: V8 rebuilds a Map's table every few additions once deletions have left holes in it,
 * and keeps a link from each old table to the new one (for iterators that may still be walking the
 * old one). Once one table of a long-lived Map has been promoted to the old generation, that chain
 * keeps every later table — and every value any of them held — alive through each young-generation
 * collection, until the next full collection. For the server's busiest Maps that promoted about
 * 730 KB of garbage per scavenge at 1,000 interactions/s, with scavenges of 2–9 ms on the main
 * thread; a dictionary-mode object has no such link (see docs/architecture.md, "Garbage").
 *
 * Entries iterate in insertion order, as the language orders an object's string keys; keys that are
 * canonical array indices (12, "12") come first, in numeric order.
 */
export class IdMap<V> {
  private entries: Record<string, V> = Object.create(null);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string | number): V | undefined {
    return this.entries[key];
  }

  has(key: string | number): boolean {
    return key in this.entries;
  }

  set(key: string | number, value: V): this {
    if (!(key in this.entries)) this.count++;
    this.entries[key] = value;
    return this;
  }

  delete(key: string | number): boolean {
    if (!(key in this.entries)) return false;
    delete this.entries[key];
    this.count--;
    return true;
  }

  clear(): void {
    // Emptied on every batch and store call, mostly when already empty: no new object then.
    if (this.count === 0) return;
    this.entries = Object.create(null);
    this.count = 0;
  }

  /** Deletes the `count` entries set longest ago; one pass over the keys, however many it deletes. */
  deleteOldest(count: number): void {
    let left = count;
    for (const key in this.entries) {
      if (left-- <= 0) break;
      this.delete(key);
    }
  }

  values(): V[] {
    return Object.values(this.entries);
  }

  keys(): string[] {
    return Object.keys(this.entries);
  }
}
