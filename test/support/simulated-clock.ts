import type { Clock } from '../../src/engine/clock.js';

/** A clock the test moves by hand. */
export interface SimulatedClock extends Clock {
  set(iso: string): void;
  advance(ms: number): void;
}

export function createSimulatedClock(start = '2026-03-02T10:00:00.000Z'): SimulatedClock {
  let now = Date.parse(start);
  return {
    now: () => new Date(now).toISOString(),
    set: (iso) => {
      now = Date.parse(iso);
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
