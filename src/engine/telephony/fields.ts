import { AppError, apiError } from '../../core/errors.js';
import { checkFreeForm } from '../../core/json-limits.js';

/** A request body of the telephony API, as the adapter parsed it (JSON or XML). */
export type Body = Record<string, unknown>;

export function refuse(code: 'REQUIRED' | 'INVALID_VALUE' | 'INVALID_TYPE', message: string, field: string): never {
  throw new AppError(apiError(code, message, field));
}

export function requiredText(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    refuse('REQUIRED', `${field} is required`, field);
  }
  if (typeof value !== 'string') refuse('INVALID_TYPE', `${field} must be a string`, field);
  return value.trim();
}

export function optionalText(body: Body, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') refuse('INVALID_TYPE', `${field} must be a string`, field);
  return value.trim();
}

/**
 * A date and time as ISO 8601 text or as milliseconds since the epoch (a number or its digits: the
 * provider's voicemail packaging sends its recording times that way); null when absent.
 */
export function isoTime(body: Body, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null || value === '') return null;
  const ms =
    typeof value === 'number' || (typeof value === 'string' && /^\s*\d{1,16}\s*$/.test(value))
      ? Number(value)
      : typeof value === 'string'
        ? Date.parse(value)
        : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
    refuse('INVALID_VALUE', `${field} must be a date and time (ISO 8601, or milliseconds since the epoch)`, field);
  }
  return new Date(ms).toISOString();
}

/** A time in milliseconds since the epoch (int64, as the vendor documents it), required. */
export function epochTime(body: Body, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') refuse('REQUIRED', `${field} is required`, field);
  return isoTime(body, field) as string;
}

/**
 * A JSON object given as an object or as its JSON text (the vendor documents strings, and providers
 * send both); anything else is refused.
 */
export function jsonObject(body: Body, field: string): Record<string, unknown> {
  let value = body[field];
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      refuse('INVALID_VALUE', `${field} must be a JSON object or a string holding one`, field);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse('INVALID_VALUE', `${field} must be a JSON object or a string holding one`, field);
  }
  checkFreeForm(value, field);
  return value as Record<string, unknown>;
}
