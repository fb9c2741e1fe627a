/** Where the engine reads the time and waits for it: injected so tests and simulations control it. */
export interface Clock {
  /** The current instant as an ISO 8601 UTC string with milliseconds. */
  now(): string;
  /** Calls `callback` once the clock reaches `at` (at once if it has); returns a function that cancels. */
  setTimer(at: string, callback: () => void): () => void;
}

// setTimeout holds at most 2^31−1 ms (~24.8 days); longer waits are re-armed in steps.
const maxDelay = 2_147_483_647;

let lastMs = -1;
let lastIso = '';

/** The wall clock. */
export const systemClock: Clock = {
  // Read many times per request; formatting once per millisecond is enough.
  now: () => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  },
  setTimer(at, callback) {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const delay = Date.parse(at) - Date.now();
      if (delay <= 0) {
        handle = setTimeout(callback, 0);
        return;
      }
      handle = setTimeout(arm, Math.min(delay, maxDelay));
    };
    arm();
    return () => clearTimeout(handle);
  },
};
