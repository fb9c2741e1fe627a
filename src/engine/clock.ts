/** Where the engine reads the time: injected so tests and simulations control it. */
export interface Clock {
  /** The current instant as an ISO 8601 UTC string with milliseconds. */
  now(): string;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date().toISOString() };
