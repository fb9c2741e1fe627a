import { normalizePhoneNumber } from '../../core/address.js';
import type { MessageAttachment } from '../../core/model.js';
import type { OutgoingMessage } from '../../engine/messaging/messaging-provider.js';
import type { InboundMessage, StatusReport } from '../../engine/messaging/messaging-service.js';

// WhatsApp Cloud API payloads (Meta Graph API) ↔ Switchboard's messages. Pure: no I/O here.

type Json = Record<string, unknown>;

/** A business phone number of the channel: WhatsApp's id for it, and its E.164 address (an entry point). */
export interface WhatsAppNumber {
  id: string;
  address: string;
}

/** What one webhook notification carries, or why it cannot be read. */
export type Notification =
  | {
      ok: true;
      /** Each change's business number (phone_number_id), with its messages and statuses. */
      changes: { phoneNumberId: string; messages: Omit<InboundMessage, 'to'>[]; statuses: StatusReport[] }[];
    }
  | { ok: false; problem: string };

const mediaTypes = ['image', 'audio', 'video', 'document', 'sticker'] as const;

function seconds(value: unknown): string {
  const n = Number(value);
  return new Date(Number.isFinite(n) && n > 0 ? n * 1000 : Date.now()).toISOString();
}

/** The E.164 form of a WhatsApp id (digits of the number, without +). */
export function fromWaId(waId: string): string {
  return normalizePhoneNumber(`+${waId.replace(/^\+/, '')}`, null) ?? `+${waId}`;
}

function inboundOf(raw: Json, names: Map<string, string>, apiBaseUrl: string): Omit<InboundMessage, 'to'> | null {
  const from = typeof raw.from === 'string' ? raw.from : null;
  const id = typeof raw.id === 'string' ? raw.id : null;
  if (!from || !id) return null;
  const type = String(raw.type ?? '');
  let text = '';
  const attachments: MessageAttachment[] = [];
  if (type === 'text') text = String((raw.text as Json | undefined)?.body ?? '');
  else if (type === 'button') text = String((raw.button as Json | undefined)?.text ?? '');
  else if (type === 'interactive') {
    const reply = ((raw.interactive as Json | undefined)?.button_reply ?? (raw.interactive as Json | undefined)?.list_reply) as
      | Json
      | undefined;
    text = String(reply?.title ?? '');
  } else if ((mediaTypes as readonly string[]).includes(type)) {
    const media = (raw[type] ?? {}) as Json;
    text = String(media.caption ?? '');
    // The media is fetched from the Graph API with the channel's token (GET /{media-id}).
    attachments.push({
      url: `${apiBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(String(media.id ?? ''))}`,
      contentType: String(media.mime_type ?? 'application/octet-stream'),
      name: typeof media.filename === 'string' ? media.filename : null,
    });
  } else if (type === 'location') {
    const location = (raw.location ?? {}) as Json;
    text = [location.name, location.address, `${location.latitude},${location.longitude}`].filter(Boolean).join(' — ');
  } else {
    text = `[${type || 'unknown'} message]`;
  }
  return {
    from: fromWaId(from),
    externalId: id,
    text: text.slice(0, 16_384),
    attachments,
    sentAt: seconds(raw.timestamp),
    customerName: names.get(from) ?? null,
  };
}

function statusOf(raw: Json): StatusReport | null {
  const id = typeof raw.id === 'string' ? raw.id : null;
  const status = raw.status;
  if (!id || (status !== 'sent' && status !== 'delivered' && status !== 'read' && status !== 'failed')) return null;
  const error = Array.isArray(raw.errors) ? (raw.errors[0] as Json | undefined) : undefined;
  return {
    externalId: id,
    status,
    at: seconds(raw.timestamp),
    error: error ? { code: String(error.code ?? 'unknown'), message: String(error.title ?? error.message ?? 'failed') } : null,
  };
}

/** Reads a webhook body (`object: whatsapp_business_account`): its message and status notifications. */
export function readNotification(body: unknown, apiBaseUrl: string): Notification {
  const root = body as Json | null;
  if (!root || typeof root !== 'object' || root.object !== 'whatsapp_business_account' || !Array.isArray(root.entry)) {
    return { ok: false, problem: 'Not a WhatsApp Business Account notification (object, entry).' };
  }
  const changes: Extract<Notification, { ok: true }>['changes'] = [];
  for (const entry of root.entry as Json[]) {
    for (const change of (Array.isArray(entry?.changes) ? entry.changes : []) as Json[]) {
      if (change?.field !== 'messages') continue;
      const value = (change.value ?? {}) as Json;
      const phoneNumberId = String((value.metadata as Json | undefined)?.phone_number_id ?? '');
      if (!phoneNumberId) return { ok: false, problem: 'A change has no metadata.phone_number_id.' };
      const names = new Map<string, string>();
      for (const contact of (Array.isArray(value.contacts) ? value.contacts : []) as Json[]) {
        const name = (contact?.profile as Json | undefined)?.name;
        if (typeof contact?.wa_id === 'string' && typeof name === 'string') names.set(contact.wa_id, name.slice(0, 200));
      }
      const messages = ((Array.isArray(value.messages) ? value.messages : []) as Json[]).map((m) =>
        inboundOf(m ?? {}, names, apiBaseUrl),
      );
      const statuses = ((Array.isArray(value.statuses) ? value.statuses : []) as Json[]).map((s) => statusOf(s ?? {}));
      if (messages.includes(null) || statuses.includes(null)) {
        return { ok: false, problem: 'A message or status lacks its id, sender or status.' };
      }
      changes.push({
        phoneNumberId,
        messages: messages as Omit<InboundMessage, 'to'>[],
        statuses: statuses as StatusReport[],
      });
    }
  }
  return { ok: true, changes };
}

/** The body of POST /{phone-number-id}/messages for a message. */
export function sendBody(message: OutgoingMessage): Json {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.to.replace(/^\+/, '') };
  if (message.template) {
    const { name, language, parameters } = message.template;
    return {
      ...base,
      type: 'template',
      template: {
        name,
        language: { code: language },
        ...(parameters.length > 0
          ? { components: [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] }
          : {}),
      },
    };
  }
  const attachment = message.attachments[0];
  if (attachment) {
    const kind = attachment.contentType.startsWith('image/')
      ? 'image'
      : attachment.contentType.startsWith('video/')
        ? 'video'
        : attachment.contentType.startsWith('audio/')
          ? 'audio'
          : 'document';
    const media: Json = { link: attachment.url };
    if (message.text && kind !== 'audio') media.caption = message.text;
    if (kind === 'document' && attachment.name) media.filename = attachment.name;
    return { ...base, type: kind, [kind]: media };
  }
  return { ...base, type: 'text', text: { preview_url: false, body: message.text } };
}
