import { IdMap } from '../core/id-map.js';
import type { StoredTimer } from '../core/model.js';
import type { Store, TimerChanges } from '../store/store.js';
import type { Clock } from './clock.js';

/**
 * Arms the stored timers of waiting flow runs on the clock. Timers are rows saved with the change
 * that set them; this service only mirrors them in memory, so after a restart `restore` re-arms
 * every one (a timer that fell due while the server was down fires at once).
 */
export function createTimerService(deps: { clock: Clock; fire: (timer: StoredTimer) => Promise<unknown> }) {
  /** Each armed timer's cancel, with its tenant (a tenant that moves to another node takes its timers along). */
  const armed = new IdMap<{ cancel: () => void; tenantId: string }>();
  let stopped = false;

  function disarm(id: string): void {
    armed.get(id)?.cancel();
    armed.delete(id);
  }

  function arm(timer: StoredTimer): void {
    if (stopped) return;
    armed.get(timer.id)?.cancel();
    armed.set(timer.id, {
      tenantId: timer.tenantId,
      cancel: deps.clock.setTimer(timer.dueAt, () => {
        armed.delete(timer.id);
        void deps.fire(timer).catch(() => {
          // The row stays; the timer fires again at the next start. Nothing is lost.
        });
      }),
    });
  }

  return {
    /** Mirrors committed timer changes. */
    apply(changes: TimerChanges): void {
      for (const id of changes.cancel) disarm(id);
      for (const timer of changes.set) arm(timer);
    },
    /** Arms every stored timer (of one tenant, when given: a cluster node that took it). */
    async restore(store: Store, tenantId?: string): Promise<number> {
      const timers = await store.listTimers(tenantId);
      for (const timer of timers) arm(timer);
      return timers.length;
    },
    /** Disarms a tenant's timers (its new owner arms them from the store). */
    forgetTenant(tenantId: string): void {
      for (const id of armed.keys()) if (armed.get(id)?.tenantId === tenantId) disarm(id);
    },
    stop(): void {
      stopped = true;
      for (const { cancel } of armed.values()) cancel();
      armed.clear();
    },
  };
}
