import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { ChannelType, MessagingMedium } from './model.js';

const e164 = /^\+[1-9]\d{1,14}$/;
// Formatting people put in numbers; removed before checking the E.164 shape.
const phoneFormatting = /[\s().\-\u00a0]/g;
// sip:user@host[:port][;params] or sip:host[:port], case-insensitive scheme (CONTRACT Q0.4).
const sipUri = /^(sips?):(?:([^@\s]+)@)?([^\s;:@]+)(:\d{1,5})?(;\S*)?$/i;
// Deliberately simple: one @, no spaces, a dot in the domain, no empty labels.
const emailAddress = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** True for a country that libphonenumber knows, so it can read national numbers. */
export function isKnownCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/**
 * Normalises a phone number written in international form (+ and digits, with optional spaces,
 * dashes, dots or parentheses) to E.164; null when it is not one. National numbers are refused
 * here: contact points must be unambiguous (CONTRACT 0(c) 8).
 */
export function normalizeInternationalNumber(value: string): string | null {
  const compact = value.trim().replace(phoneFormatting, '');
  return e164.test(compact) ? compact : null;
}

/**
 * Normalises a phone number to E.164, reading a national number with the tenant's default country
 * (CONTRACT 0(c) 10: "15062345678" becomes "+15062345678" with country US). Null when impossible.
 */
export function normalizePhoneNumber(value: string, defaultCountry: string | null): string | null {
  const international = normalizeInternationalNumber(value);
  if (international) return international;
  if (!defaultCountry || !isKnownCountry(defaultCountry)) return null;
  const digits = value.trim().replace(phoneFormatting, '');
  if (!/^\d{2,17}$/.test(digits)) return null;
  const parsed = parsePhoneNumberFromString(digits, defaultCountry as CountryCode);
  if (!parsed?.isPossible()) return null;
  return e164.test(parsed.number) ? parsed.number : null;
}

/** A SIP URI with its scheme and host lower-cased (the user part is case-sensitive); null if not one. */
export function normalizeSipUri(value: string): string | null {
  const match = sipUri.exec(value.trim());
  if (!match) return null;
  const [, scheme = '', user, host = '', port = '', params = ''] = match;
  return `${scheme.toLowerCase()}:${user === undefined ? '' : `${user}@`}${host.toLowerCase()}${port}${params}`;
}

/** A lower-cased email address; null if not one. */
export function normalizeEmail(value: string): string | null {
  const trimmed = value.trim();
  return emailAddress.test(trimmed) ? trimmed.toLowerCase() : null;
}

export type AddressKind = 'phone-or-sip' | 'phone' | 'email' | 'opaque';

/** What an entry point address (a contact point) looks like on a channel. */
export function addressKindFor(type: ChannelType, medium: MessagingMedium | null): AddressKind {
  if (type === 'voice' || type === 'sms') return 'phone-or-sip';
  if (type === 'email') return 'email';
  if (type === 'messaging' && medium === 'whatsapp') return 'phone';
  // Apple business ids, Facebook page ids, web-chat widget ids and work-item sources are opaque.
  return 'opaque';
}

/**
 * Normalises an address of the given kind; null when it is not one. National phone numbers are read
 * with `defaultCountry`; pass null to accept only the international form (dispatch mapping contact
 * points, CONTRACT 0(c) 8).
 */
export function normalizeAddress(value: string, kind: AddressKind, defaultCountry: string | null): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  switch (kind) {
    case 'phone-or-sip':
      return normalizePhoneNumber(trimmed, defaultCountry) ?? normalizeSipUri(trimmed);
    case 'phone':
      return normalizePhoneNumber(trimmed, defaultCountry);
    case 'email':
      return normalizeEmail(trimmed);
    case 'opaque':
      return trimmed;
  }
}

/**
 * Best-effort normalisation for values whose kind is not known (an `any` mapping, an interaction
 * field from a provider): whatever it recognises is put in canonical form, anything else is kept.
 */
export function normalizeLoosely(value: string, defaultCountry: string | null): string {
  const trimmed = value.trim();
  if (trimmed.includes('@') && !/^sips?:/i.test(trimmed)) return normalizeEmail(trimmed) ?? trimmed;
  return (
    normalizeSipUri(trimmed) ??
    normalizeInternationalNumber(trimmed) ??
    (/^[\d\s().-]+$/.test(trimmed) ? normalizePhoneNumber(trimmed, defaultCountry) : null) ??
    trimmed
  );
}
