import { IdMap } from '../core/id-map.js';
import type { Clock } from './clock.js';

/**
 * When each connected interaction of a tenant has been held too long (the queue's
 * `maxConnectedMinutes`), with one timer armed at the earliest. Kept in memory only: the router's view
 * is rebuilt from the store after a restart and tracks every connected interaction again, so work
 * accepted before a crash is still bounded, and the hot path writes nothing for it.
 */
export class ConnectedDeadlines {
  private readonly deadlines = new IdMap<number>();
  private armedAt: number | null = null;
  private cancel: (() => void) | null = null;

  constructor(
    private readonly clock: Clock,
    /** Called with the interactions whose deadline has passed (each once). */
    private readonly onDue: (interactionIds: string[]) => void,
  ) {}

  /** How many connected interactions are tracked. */
  get size(): number {
    return this.deadlines.size;
  }

  /** Sets (a number, in epoch ms) or clears (null) an interaction's deadline. */
  track(interactionId: string, deadline: number | null): void {
    if (deadline === null) {
      // The timer stays armed: a firing with nothing due just looks for the next deadline.
      this.deadlines.delete(interactionId);
      return;
    }
    this.deadlines.set(interactionId, deadline);
    if (this.armedAt === null || deadline < this.armedAt) this.arm(deadline);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
    this.armedAt = null;
  }

  private arm(at: number): void {
    this.cancel?.();
    this.armedAt = at;
    this.cancel = this.clock.setTimer(new Date(at).toISOString(), () => this.fire());
  }

  private fire(): void {
    this.cancel = null;
    this.armedAt = null;
    const now = Date.parse(this.clock.now());
    const due: string[] = [];
    let next: number | null = null;
    for (const id of this.deadlines.keys()) {
      const deadline = this.deadlines.get(id) as number;
      if (deadline <= now) due.push(id);
      else if (next === null || deadline < next) next = deadline;
    }
    for (const id of due) this.deadlines.delete(id);
    if (next !== null) this.arm(next);
    if (due.length > 0) this.onDue(due);
  }
}
