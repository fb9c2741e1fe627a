/** Chunks split when they grow past twice this size. */
const chunkSize = 256;

/** A position in a SortedList that survives removing the item at it. */
export interface SortedCursor<T> {
  /** The item at the cursor, or undefined past the end. */
  current(): T | undefined;
  advance(): void;
  /** Removes the item at the cursor; the cursor then points at the item that followed it. */
  removeCurrent(): void;
}

/**
 * A list kept sorted by a comparator, stored as a list of sorted chunks (the "sorted containers"
 * layout): finding a position is a binary search over chunk ends and then within one chunk, and an
 * insert or removal moves at most a chunk's worth of pointers, so both stay cheap at hundreds of
 * thousands of items — the router's queues and agent rankings — while iteration stays in order.
 */
export class SortedList<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  /** The first chunk whose last item is not before `item` (or the last chunk). */
  private chunkFor(item: T): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.chunks[mid] as T[];
      if (this.compare(chunk[chunk.length - 1] as T, item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private lowerBound(chunk: T[], item: T): number {
    let low = 0;
    let high = chunk.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(chunk[mid] as T, item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  insert(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const c = this.chunkFor(item);
    const chunk = this.chunks[c] as T[];
    chunk.splice(this.lowerBound(chunk, item), 0, item);
    if (chunk.length > chunkSize * 2) this.chunks.splice(c + 1, 0, chunk.splice(chunkSize));
  }

  /** Removes this exact item (found by its sort key, so the key must not have changed since insertion). */
  remove(item: T): boolean {
    if (this.chunks.length === 0) return false;
    for (let c = this.chunkFor(item); c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as T[];
      for (let i = this.lowerBound(chunk, item); i < chunk.length; i++) {
        const candidate = chunk[i] as T;
        if (candidate === item) {
          this.removeAt(c, i);
          return true;
        }
        if (this.compare(candidate, item) !== 0) return false;
      }
    }
    return false;
  }

  private removeAt(c: number, i: number): void {
    const chunk = this.chunks[c] as T[];
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
  }

  first(): T | undefined {
    return this.chunks[0]?.[0];
  }

  cursor(): SortedCursor<T> {
    return new ChunkCursor(this.chunks, (c, i) => this.removeAt(c, i));
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const chunk of this.chunks) yield* chunk;
  }
}

/** A cursor over the chunks of a SortedList (a class, not closures: it is made on every decision round). */
class ChunkCursor<T> implements SortedCursor<T> {
  private c = 0;
  private i = 0;

  constructor(
    private readonly chunks: T[][],
    private readonly removeAt: (c: number, i: number) => void,
  ) {}

  current(): T | undefined {
    return this.chunks[this.c]?.[this.i];
  }

  advance(): void {
    this.i++;
    if (this.i >= (this.chunks[this.c]?.length ?? 0)) {
      this.c++;
      this.i = 0;
    }
  }

  removeCurrent(): void {
    const chunk = this.chunks[this.c];
    if (!chunk || this.i >= chunk.length) return;
    const last = chunk.length === 1;
    this.removeAt(this.c, this.i);
    // An emptied chunk is gone, so the next chunk is now at c; else the next item moved into i.
    if (last) this.i = 0;
    else if (this.i >= chunk.length) {
      this.c++;
      this.i = 0;
    }
  }
}
