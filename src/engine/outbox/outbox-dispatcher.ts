import type { OutboxDestination, OutboxItem } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';

/** What one attempt at an item came to. */
export type DeliveryOutcome =
  /** The destination took it or refused it, and recorded that (settling the item in the same change). */
  | { kind: 'settled' }
  /** Not now (a network error, a 5xx, a 429): try again later, not before `retryAfterMs` when given. */
  | { kind: 'retry'; error: string; retryAfterMs: number | null };

/** A kind of destination: how to deliver an item, and how to give up on one that never went through. */
export interface OutboxDestinationHandler<D extends OutboxDestination = OutboxDestination> {
  deliver(item: Extract<OutboxItem, { destination: D }>): Promise<DeliveryOutcome>;
  /** After the last attempt: the item and what it stands for are failed with this reason. */
  giveUp(item: Extract<OutboxItem, { destination: D }>, error: string): Promise<void>;
}

/** Attempts before an item is given up (with the backoff capped at 5 min: about 1 h 40 min of trying). */
export const maxAttempts = 25;
const maxBackoffMs = 5 * 60_000;

/** 1 s, 2 s, 4 s… capped at 5 min; never sooner than the destination asked (Retry-After). */
export function nextDelay(attempts: number, retryAfterMs: number | null): number {
  const backoff = Math.min(maxBackoffMs, 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.max(backoff, Math.min(retryAfterMs ?? 0, 60 * 60_000));
}

/**
 * Sends what the outbox holds (DESIGN "one durable outbox, many destinations"). Items arrive here once
 * their change is committed (`added`) or, at start, from the store; items of one ordering key go one
 * at a time in the order they were added, a later one waiting while an earlier one is retried. What
 * happens to an item is stored: a retry's next time, and the outcome with the destination's change.
 */
export function createOutboxDispatcher(deps: {
  store: Store;
  clock: Clock;
  destinations: { [D in OutboxDestination]: OutboxDestinationHandler<D> };
}) {
  const { store, clock } = deps;
  const queues = new Map<string, OutboxItem[]>();
  const running = new Set<string>();
  const timers = new Map<string, () => void>();
  const known = new Set<string>();
  let stopped = false;

  function enqueue(item: OutboxItem): void {
    if (known.has(item.id) || item.state !== 'pending') return;
    known.add(item.id);
    const queue = queues.get(item.orderingKey) ?? [];
    queue.push(item);
    queues.set(item.orderingKey, queue);
  }

  function finish(key: string, item: OutboxItem): void {
    const queue = queues.get(key) ?? [];
    queue.shift();
    known.delete(item.id);
    if (queue.length === 0) queues.delete(key);
  }

  /** Sends the first item of a key when it is due; at most one run per key at a time. */
  async function pump(key: string): Promise<void> {
    if (stopped || running.has(key)) return;
    const item = queues.get(key)?.[0];
    if (!item) return;
    if (item.nextAttemptAt > clock.now()) {
      timers.get(key)?.();
      timers.set(
        key,
        clock.setTimer(item.nextAttemptAt, () => {
          timers.delete(key);
          void pump(key);
        }),
      );
      return;
    }
    running.add(key);
    try {
      // Each item goes to the handler of its own destination (the map's type pairs them).
      const destination = deps.destinations[item.destination] as OutboxDestinationHandler;
      let outcome: DeliveryOutcome;
      try {
        outcome = await destination.deliver(item);
      } catch (error) {
        // A defect or the store failing: the item stays and is tried again later, like a network error.
        outcome = { kind: 'retry', error: (error as Error).message, retryAfterMs: null };
      }
      if (outcome.kind === 'settled') {
        finish(key, item);
      } else {
        const attempts = item.attempts + 1;
        if (attempts >= maxAttempts) {
          await destination.giveUp(item, `gave up after ${attempts} attempts; the last: ${outcome.error}`);
          finish(key, item);
        } else {
          const nextAttemptAt = new Date(Date.parse(clock.now()) + nextDelay(attempts, outcome.retryAfterMs)).toISOString();
          await store.retryOutbox(item.id, attempts, nextAttemptAt, outcome.error);
          const queue = queues.get(key);
          if (queue?.[0] === item) queue[0] = { ...item, attempts, nextAttemptAt, lastError: outcome.error };
        }
      }
    } catch (error) {
      // Recording the outcome failed (the store is down): the item stays as stored, and is tried again.
      const queue = queues.get(key);
      const nextAttemptAt = new Date(Date.parse(clock.now()) + nextDelay(item.attempts + 1, null)).toISOString();
      if (queue?.[0] === item) queue[0] = { ...item, nextAttemptAt, lastError: (error as Error).message };
    } finally {
      running.delete(key);
    }
    void pump(key);
  }

  return {
    /** Items of a change that was just committed. */
    added(items: readonly OutboxItem[]): void {
      const keys = new Set<string>();
      for (const item of items) {
        enqueue(item);
        keys.add(item.orderingKey);
      }
      for (const key of keys) void pump(key);
    },
    /**
     * Picks up what was pending when the process stopped (a send in flight during a crash is sent again);
     * of one tenant when given (a cluster node that took the tenant).
     */
    async start(tenantId?: string): Promise<number> {
      const pending = await store.listPendingOutbox(1_000_000, tenantId);
      for (const item of pending) enqueue(item);
      for (const key of new Set(pending.map((item) => item.orderingKey))) void pump(key);
      return pending.length;
    },
    /** Lets a tenant's items go (a cluster moved the tenant: its new owner sends them). */
    stopTenant(tenantId: string): void {
      for (const [key, queue] of queues) {
        if (queue[0]?.tenantId !== tenantId) continue;
        for (const item of queue) known.delete(item.id);
        queues.delete(key);
        timers.get(key)?.();
        timers.delete(key);
      }
    },
    /** Items waiting to leave, for metrics. */
    backlog(): number {
      return known.size;
    },
    stop(): void {
      stopped = true;
      for (const cancel of timers.values()) cancel();
      timers.clear();
    },
  };
}

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;
