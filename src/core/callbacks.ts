import { normalizePhoneNumber } from './address.js';
import { type ApiError, apiError } from './errors.js';
import { localTime } from './flow/local-time.js';
import type { Interaction, StoredTimer } from './model.js';

/**
 * Callbacks (Amazon Connect's queued callbacks): the customer is called back instead of waiting. A
 * callback is work in a queue, offered like any other; the agent who takes it dials the customer (an
 * outbound call linked to it). An attempt nobody answered makes the next callback of the same request,
 * due after the retry interval, until the attempts run out. Pure rules; the engine stores and routes.
 */

/** How an outbound call went, in the words telephony providers report it with (Twilio's CallStatus). */
export const outboundCallStatuses = ['dialing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type OutboundCallStatus = (typeof outboundCallStatuses)[number];
/** Statuses a provider reports: the call is answered, or it is over. */
export const reportedCallStatuses = outboundCallStatuses.filter((status) => status !== 'dialing');
/** How an attempt went: answered, or why nobody did. */
export type AttemptOutcome = 'answered' | 'busy' | 'no-answer' | 'failed' | 'canceled';
const unanswered: ReadonlySet<string> = new Set(['busy', 'no-answer', 'failed', 'canceled']);

/** Whether a status ends a call nobody answered. */
export function isUnanswered(status: OutboundCallStatus): status is Exclude<AttemptOutcome, 'answered'> {
  return unanswered.has(status);
}

export interface CallbackAttempt {
  /** 1 for the first call. */
  attempt: number;
  /** The outbound call (a voice interaction) the agent made. */
  callId: string;
  agentId: string;
  startedAt: string;
  /** Null while the call rings. */
  outcome: AttemptOutcome | null;
  /** When the outcome was known. */
  at: string | null;
}

/** What a callback interaction carries: the request (number, attempts allowed) and the attempts so far. */
export interface Callback {
  number: string;
  /** The interaction the customer asked on (the call, a chat…); the first callback's parent. */
  requestedOn: string | null;
  /** Who asked: a flow's callback step, an agent or the voice provider's API. */
  requestedBy: 'flow' | 'agent' | 'provider';
  maxAttempts: number;
  retryMinutes: number;
  /** Every attempt of the request so far, oldest first (a retry's callback carries the earlier ones). */
  attempts: CallbackAttempt[];
}

export const callbackDefaults = { maxAttempts: 3, retryMinutes: 15 } as const;
export const callbackLimits = { maxAttempts: 10, retryMinutes: 1440 } as const;

/** A callback asked for, checked: the number in E.164, when it is due (null: at once), its attempts. */
export interface CallbackRequest {
  number: string;
  at: string | null;
  maxAttempts: number;
  retryMinutes: number;
}

const localPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const zonedPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The instant of a wall-clock time in a time zone ("2026-12-01T09:30" in Europe/Paris). A time skipped by
 * a change to summer time reads as the same wall time after it (09:30 before the shift stays 09:30 + 1 h).
 */
export function instantOfLocalTime(local: string, timeZone: string): string | null {
  const match = localPattern.exec(local);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const wall = Date.UTC(year as number, (month as number) - 1, day as number, hour as number, minute as number, second);
  const check = new Date(wall);
  if (check.getUTCMonth() !== (month as number) - 1 || check.getUTCDate() !== day || (hour as number) > 23) return null;
  // The zone's offset at an instant, in whole minutes: the wall clock there minus the instant.
  const offsetAt = (instant: number) => {
    const reading = localTime(new Date(instant).toISOString(), timeZone);
    const seen = Date.UTC(reading.year, reading.month - 1, reading.day, reading.hour, reading.minute);
    return seen - Math.floor(instant / 60_000) * 60_000;
  };
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first)).toISOString();
}

/**
 * When a callback is due: `at` is an ISO 8601 instant with its offset, or a wall-clock time
 * (YYYY-MM-DDTHH:MM[:SS]) in the tenant's time zone; empty means at once, and a time already past (or
 * now) too. Errors name `field`.
 */
export function callbackDueAt(at: unknown, timeZone: string, now: string, field = 'at'): string | null | ApiError {
  if (at === undefined || at === null || (typeof at === 'string' && at.trim() === '')) return null;
  if (typeof at !== 'string') return apiError('INVALID_TYPE', `${field} must be a string.`, field);
  const text = at.trim();
  const instant = zonedPattern.test(text) && !Number.isNaN(Date.parse(text)) ? new Date(text).toISOString() : null;
  const due = instant ?? instantOfLocalTime(text, timeZone);
  if (!due) {
    return apiError(
      'INVALID_VALUE',
      `${field} must be an ISO 8601 time with its offset, or a local time YYYY-MM-DDTHH:MM in the tenant's time zone (${timeZone}).`,
      field,
    );
  }
  return due > now ? due : null;
}

function whole(value: unknown, field: string, fallback: number, max: number, errors: ApiError[]): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    errors.push(apiError('INVALID_VALUE', `${field} must be a whole number from 1 to ${max}.`, field));
    return fallback;
  }
  return value;
}

/** Checks a callback asked for by an agent or a flow: every problem at once, or the request. */
export function checkCallbackRequest(
  input: { number?: unknown; at?: unknown; maxAttempts?: unknown; retryMinutes?: unknown },
  context: { defaultNumber: string | null; defaultCountry: string | null; timeZone: string; now: string },
): { ok: true; value: CallbackRequest } | { ok: false; errors: ApiError[] } {
  const errors: ApiError[] = [];
  const given = typeof input.number === 'string' && input.number.trim() !== '' ? input.number : context.defaultNumber;
  const number = given ? normalizePhoneNumber(given, context.defaultCountry) : null;
  if (input.number !== undefined && input.number !== null && typeof input.number !== 'string') {
    errors.push(apiError('INVALID_TYPE', 'number must be a string.', 'number'));
  } else if (!given) {
    errors.push(apiError('REQUIRED', 'number is required: the customer has no phone number to call back.', 'number'));
  } else if (!number) {
    errors.push(apiError('INVALID_VALUE', 'number must be a phone number.', 'number'));
  }
  const at = callbackDueAt(input.at, context.timeZone, context.now);
  if (at !== null && typeof at === 'object') errors.push(at);
  const maxAttempts = whole(input.maxAttempts, 'maxAttempts', callbackDefaults.maxAttempts, callbackLimits.maxAttempts, errors);
  const retryMinutes = whole(
    input.retryMinutes,
    'retryMinutes',
    callbackDefaults.retryMinutes,
    callbackLimits.retryMinutes,
    errors,
  );
  if (errors.length > 0 || !number) return { ok: false, errors };
  return { ok: true, value: { number, at: typeof at === 'string' ? at : null, maxAttempts, retryMinutes } };
}

/** The callback with what became of the attempt a call made. */
export function withAttemptOutcome(callback: Callback, callId: string, update: Partial<CallbackAttempt>): Callback {
  return {
    ...callback,
    attempts: callback.attempts.map((attempt) => (attempt.callId === callId ? { ...attempt, ...update } : attempt)),
  };
}

/** After an attempt nobody answered: when the next callback is due, or null when the attempts ran out. */
export function nextAttemptAt(callback: Callback, endedAt: string): string | null {
  if (callback.attempts.length >= callback.maxAttempts) return null;
  return new Date(Date.parse(endedAt) + callback.retryMinutes * 60_000).toISOString();
}

/** The stored timer that makes the callback a flow's callback step asked for: due at once, one per call. */
export function requestedCallbackTimer(interaction: Interaction, now: string): StoredTimer {
  return {
    id: `${interaction.id}:callback`,
    tenantId: interaction.tenantId,
    interactionId: interaction.id,
    kind: 'callback',
    dueAt: now,
  };
}
