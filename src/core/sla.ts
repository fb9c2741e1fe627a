import { type ApiError, apiError } from './errors.js';

/** The SLA of a queue created without one (Gladly's inbox default). */
export const defaultQueueSlaMinutes = 1440;
/** 365 days. */
export const maxSlaMinutes = 525600;

const decimal = /^\d+(\.\d+)?$/;

export type SlaParse = { ok: true; minutes: number | null } | { ok: false; error: ApiError };

/**
 * Reads an SLA in minutes as an administrator typed it: a string or a JSON number, plain decimal,
 * fractional allowed ("0.66" is 40 s), never zero, never signed. Blank and null mean "not set"
 * (`minutes: null`); whether that is allowed is the caller's rule (exceptions inherit, queues refuse).
 * Whitespace is not trimmed: " 5 " is refused rather than guessed at.
 */
export function parseSlaMinutes(input: unknown, field = 'slaMinutes'): SlaParse {
  if (input === null || input === undefined || input === '') return { ok: true, minutes: null };
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return fail('SLA_INVALID_FORMAT', 'The SLA must be a finite number of minutes.', field);
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return fail('SLA_INVALID_FORMAT', 'The SLA must be a number of minutes, as a number or a string.', field);
  }
  if (/[-+]/.test(text) && !/e/i.test(text)) {
    return fail('SLA_INVALID_CHARACTERS', 'The SLA cannot contain "-" or "+".', field);
  }
  if (!decimal.test(text)) {
    return fail('SLA_INVALID_FORMAT', 'The SLA must be plain decimal minutes, such as 5, 90 or 0.66.', field);
  }
  const minutes = Number(text);
  if (minutes === 0) return fail('SLA_MUST_BE_POSITIVE', 'The SLA cannot be 0.', field);
  if (slaSeconds(minutes) < 1) return fail('SLA_TOO_SMALL', 'The SLA must be at least one second (0.0084 minutes).', field);
  if (minutes > maxSlaMinutes) return fail('SLA_TOO_LARGE', `The SLA cannot exceed ${maxSlaMinutes} minutes.`, field);
  return { ok: true, minutes };
}

function fail(code: ApiError['code'], message: string, field: string): SlaParse {
  return { ok: false, error: apiError(code, message, field) };
}

/** An SLA in whole seconds: fractional minutes round to the nearest second (0.66 → 40). */
export function slaSeconds(minutes: number): number {
  return Math.round(minutes * 60);
}

/** Due date = contact time + SLA, in calendar time (no business-hours pause). */
export function computeDueAt(contactAt: string, slaMinutes: number): string {
  return new Date(Date.parse(contactAt) + slaSeconds(slaMinutes) * 1000).toISOString();
}

/** The earlier of two ISO instants; null counts as "none". */
export function earlierOf(a: string | null, b: string): string {
  if (a === null) return b;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}
