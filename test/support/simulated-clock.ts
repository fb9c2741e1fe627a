import type { Clock } from '../../src/engine/clock.js';

/** A clock the test moves by hand; timers fire as it passes them. */
export interface SimulatedClock extends Clock {
  set(iso: string): Promise<void>;
  /** Moves time forward, firing due timers in order and waiting for the work they start. */
  advance(ms: number): Promise<void>;
  /** Resolves when the work started by fired timers (and everything it awaited) has settled. */
  settle(): Promise<void>;
}

export function createSimulatedClock(start = '2026-03-02T10:00:00.000Z'): SimulatedClock {
  let now = Date.parse(start);
  let sequence = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const settle = async () => {
    // Timer callbacks start async work (store writes, HTTP); let it run to completion.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const runUntil = async (target: number) => {
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].callback();
      await settle();
    }
    now = target;
  };
  return {
    now: () => new Date(now).toISOString(),
    setTimer(at, callback) {
      const id = ++sequence;
      timers.set(id, { at: Date.parse(at), callback });
      return () => timers.delete(id);
    },
    set: (iso) => runUntil(Date.parse(iso)),
    advance: (ms) => runUntil(now + ms),
    settle,
  };
}
