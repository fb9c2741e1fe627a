/**
 * An array kept sorted by a comparator: binary search to find, splice to insert and remove. Finding
 * is O(log n); the splice moves pointers (a memmove), which stays cheap well past 100 000 entries and
 * keeps iteration in order trivial — what the router's queues and agent rankings need.
 */
export class SortedList<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  /** The index where `item` is or would be inserted (the first position not before it). */
  private lowerBound(item: T): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.items[mid] as T, item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  insert(item: T): void {
    this.items.splice(this.lowerBound(item), 0, item);
  }

  /** Removes this exact item (found by its sort key, so the key must not have changed since insertion). */
  remove(item: T): boolean {
    for (let i = this.lowerBound(item); i < this.items.length; i++) {
      const candidate = this.items[i] as T;
      if (candidate === item) {
        this.items.splice(i, 1);
        return true;
      }
      if (this.compare(candidate, item) !== 0) break;
    }
    return false;
  }

  at(index: number): T | undefined {
    return this.items[index];
  }

  first(): T | undefined {
    return this.items[0];
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
