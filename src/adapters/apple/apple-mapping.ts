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

/** The Messages for Business extension that shows Apple's own interactive messages (the list picker). */
export const businessExtension =
  'com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.icloud.apps.messages.business.extension';

/** The gzipped body of POST /message: a text reply, or a list to pick from as Apple's list picker. */
export function sendBody(message: OutgoingMessage, businessId: string): Buffer {
  const base = { v: 1, id: message.id, sourceId: businessId, destinationId: message.to };
  if (message.structured?.type === 'list') {
    const { title, choices } = message.structured;
    return gzipSync(
      JSON.stringify({
        ...base,
        type: 'interactive',
        interactiveData: {
          bid: businessExtension,
          data: {
            version: '1.0',
            requestIdentifier: message.id,
            listPicker: {
              sections: [
                {
                  order: 0,
                  title,
                  multipleSelection: false,
                  items: choices.map((choice, i) => ({ identifier: String(i + 1), order: i, style: 'default', title: choice })),
                },
              ],
            },
          },
          receivedMessage: { title, style: 'icon' },
          replyMessage: { title: 'Your choice', style: 'icon' },
        },
      }),
    );
  }
  return gzipSync(JSON.stringify({ ...base, type: 'text', body: message.text }));
}
