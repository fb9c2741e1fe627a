import type { MessageAttachment, StructuredContent } from '../../core/model.js';
import type { OutgoingMessage } from '../../engine/messaging/messaging-provider.js';

// Messenger Platform payloads (webhook `object: page`, Send API) ↔ Switchboard's messages. Pure.

type Json = Record<string, unknown>;

/** One messaging event of a webhook: a customer's message, a delivery receipt or a read receipt. */
export type MessengerEvent =
  | {
      kind: 'message';
      pageId: string;
      customer: string;
      externalId: string;
      text: string;
      attachments: MessageAttachment[];
      sentAt: string;
    }
  | { kind: 'delivery'; pageId: string; customer: string; externalIds: string[]; at: string }
  | { kind: 'read'; pageId: string; customer: string; at: string };

const contentTypes: Record<string, string> = {
  image: 'image/*',
  video: 'video/*',
  audio: 'audio/*',
  file: 'application/octet-stream',
};

function millis(value: unknown): string {
  const n = Number(value);
  return new Date(Number.isFinite(n) && n > 0 ? n : Date.now()).toISOString();
}

/** Reads a webhook body: its events, or why it cannot be read. Echoes of the page's own sends are left out. */
export function readEvents(body: unknown): { ok: true; events: MessengerEvent[] } | { ok: false; problem: string } {
  const root = body as Json | null;
  if (!root || typeof root !== 'object' || root.object !== 'page' || !Array.isArray(root.entry)) {
    return { ok: false, problem: 'Not a Messenger notification (object page, entry).' };
  }
  const events: MessengerEvent[] = [];
  for (const entry of root.entry as Json[]) {
    for (const raw of (Array.isArray(entry?.messaging) ? entry.messaging : []) as Json[]) {
      const customer = (raw?.sender as Json | undefined)?.id;
      const pageId = (raw?.recipient as Json | undefined)?.id;
      if (typeof customer !== 'string' || typeof pageId !== 'string') {
        return { ok: false, problem: 'A messaging event lacks sender.id or recipient.id.' };
      }
      const message = raw.message as Json | undefined;
      if (message) {
        if (message.is_echo === true) continue;
        if (typeof message.mid !== 'string') return { ok: false, problem: 'A message lacks its mid.' };
        const attachments = ((Array.isArray(message.attachments) ? message.attachments : []) as Json[])
          .map((a) => ({ type: String(a?.type ?? 'file'), url: (a?.payload as Json | undefined)?.url }))
          .filter((a): a is { type: string; url: string } => typeof a.url === 'string')
          .map((a) => ({ url: a.url, contentType: contentTypes[a.type] ?? 'application/octet-stream', name: null }));
        events.push({
          kind: 'message',
          pageId,
          customer,
          externalId: message.mid,
          text: String(message.text ?? '').slice(0, 16_384),
          attachments,
          sentAt: millis(raw.timestamp),
        });
        continue;
      }
      const delivery = raw.delivery as Json | undefined;
      if (delivery) {
        const mids = (Array.isArray(delivery.mids) ? delivery.mids : []).filter((m): m is string => typeof m === 'string');
        events.push({ kind: 'delivery', pageId, customer, externalIds: mids, at: millis(delivery.watermark) });
        continue;
      }
      const read = raw.read as Json | undefined;
      if (read) events.push({ kind: 'read', pageId, customer, at: millis(read.watermark) });
      // Postbacks, reactions and the rest are not conversation messages: left out.
    }
  }
  return { ok: true, events };
}

/** A carousel as the generic template; a list to pick from as the button template (postback buttons). */
function templatePayload(structured: StructuredContent): Json {
  if (structured.type === 'cards') {
    return {
      template_type: 'generic',
      elements: structured.cards.map((card) => ({
        title: card.title,
        ...(card.subtitle ? { subtitle: card.subtitle } : {}),
        ...(card.imageUrl ? { image_url: card.imageUrl } : {}),
        ...(card.buttons.length > 0
          ? {
              buttons: card.buttons.map((b) =>
                b.url ? { type: 'web_url', url: b.url, title: b.title } : { type: 'postback', title: b.title, payload: b.title },
              ),
            }
          : {}),
      })),
    };
  }
  return {
    template_type: 'button',
    text: structured.title,
    buttons: structured.choices.map((choice) => ({ type: 'postback', title: choice.slice(0, 20), payload: choice })),
  };
}

/**
 * The Send API body. Within 24 h of the customer's last message it is a RESPONSE; after, a person's
 * reply goes tagged HUMAN_AGENT (Meta allows it for 7 days).
 */
export function sendBody(message: OutgoingMessage, humanAgentTag: boolean): Json {
  const attachment = message.attachments[0];
  const kind = attachment
    ? attachment.contentType.startsWith('image/')
      ? 'image'
      : attachment.contentType.startsWith('video/')
        ? 'video'
        : attachment.contentType.startsWith('audio/')
          ? 'audio'
          : 'file'
    : null;
  return {
    recipient: { id: message.to },
    messaging_type: humanAgentTag ? 'MESSAGE_TAG' : 'RESPONSE',
    ...(humanAgentTag ? { tag: 'HUMAN_AGENT' } : {}),
    message: message.structured
      ? { attachment: { type: 'template', payload: templatePayload(message.structured) } }
      : attachment
        ? { attachment: { type: kind, payload: { url: attachment.url, is_reusable: true } } }
        : {
            text: message.text,
            ...(message.quickReplies.length > 0
              ? {
                  quick_replies: message.quickReplies.map((title) => ({
                    content_type: 'text',
                    title: title.slice(0, 20),
                    payload: title,
                  })),
                }
              : {}),
          },
  };
}
