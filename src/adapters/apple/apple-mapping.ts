import { gunzipSync, gzipSync } from 'node:zlib';
import type { OutgoingMessage } from '../../engine/messaging/messaging-provider.js';

// Apple Messages for Business payloads (the messaging service provider REST interface) ↔ Switchboard's
// messages. Pure, apart from (de)compression: Apple gzips the JSON both ways.

type Json = Record<string, unknown>;

/** What Apple posts: a customer's text, the customer closing the conversation, or something not a message. */
export type AppleEvent =
  | { kind: 'text'; id: string; customer: string; business: string; text: string; locale: string | null }
  | { kind: 'close'; customer: string; business: string }
  | { kind: 'other'; type: string };

/** The JSON of a body Apple sent, gzipped or not; null when it is neither. */
export function readBody(raw: Buffer): Json | null {
  try {
    const text =
      raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b
        ? gunzipSync(raw, { maxOutputLength: 1024 * 1024 }).toString('utf8')
        : raw.toString('utf8');
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
  } catch {
    return null;
  }
}

/** The event of a message body and its headers (`id`, `source-id`: the customer, `destination-id`: the business). */
export function readEvent(body: Json, headers: Record<string, unknown>): AppleEvent | { problem: string } {
  const type = String(body.type ?? '');
  const customer = String(body.sourceId ?? headers['source-id'] ?? '');
  const business = String(body.destinationId ?? headers['destination-id'] ?? '');
  if (!customer || !business) return { problem: 'The message names no sourceId or destinationId.' };
  if (type === 'text') {
    const id = String(body.id ?? headers.id ?? '');
    if (!id) return { problem: 'The message has no id.' };
    return {
      kind: 'text',
      id,
      customer,
      business,
      text: String(body.body ?? '').slice(0, 16_384),
      locale: typeof body.locale === 'string' ? body.locale : null,
    };
  }
  if (type === 'close') return { kind: 'close', customer, business };
  return { kind: 'other', type };
}

/** The gzipped body of POST /message for a text reply. */
export function sendBody(message: OutgoingMessage, businessId: string): Buffer {
  return gzipSync(
    JSON.stringify({ v: 1, type: 'text', id: message.id, sourceId: businessId, destinationId: message.to, body: message.text }),
  );
}
