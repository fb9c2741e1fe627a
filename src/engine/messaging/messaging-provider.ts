import type {
  MessageAttachment,
  MessageAuthor,
  MessageTemplate,
  ProviderType,
  StructuredContent,
  Tenant,
} from '../../core/model.js';
import type { HttpClient } from '../http-client.js';

/** A message as a provider's client is asked to send it. */
export interface OutgoingMessage {
  /** Switchboard's ids of the message, its interaction and tenant. */
  id: string;
  interactionId: string;
  tenantId: string;
  author: MessageAuthor;
  sentAt: string;
  /** The customer's address on the medium (E.164 for WhatsApp). */
  to: string;
  /** The business's address: the entry point the conversation is on. */
  from: string;
  text: string;
  attachments: MessageAttachment[];
  template: MessageTemplate | null;
  /** Choices offered with the text (Messenger's quick replies); empty for most messages. */
  quickReplies: string[];
  /** Rich content (a carousel, a list to pick from); null for most messages. */
  structured: StructuredContent | null;
}

/** What became of a send: taken (with the provider's id), refused for good (4xx), or to try again. */
export type SendResult =
  | { kind: 'sent'; externalId: string }
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'retry'; message: string; retryAfterMs: number | null };

/**
 * A messaging provider, as its adapter (src/adapters/<provider>) implements it for the engine: how its
 * settings are checked and how a message is sent. Inbound webhooks are the adapter's own routes.
 */
export interface MessagingProvider {
  type: ProviderType;
  /** The credentials its settings take: write-only, stored apart from the channel. */
  credentials: readonly string[];
  /** Credentials it makes itself when none is set (web chat: the key that signs customer sessions). */
  generateCredentials?(): Record<string, string>;
  /** The public settings, checked and normalised (throws an AppError naming the field at fault). */
  checkSettings(settings: Record<string, unknown>, tenant: Tenant): Record<string, unknown>;
  /** Sends one message. Never throws for what the provider answers: a refusal or a retry is a result. */
  send(request: {
    /** The channel the message goes out on (Twilio: its status callback URL names it). */
    channelId: string;
    settings: Record<string, unknown>;
    secrets: Record<string, string>;
    message: OutgoingMessage;
    http: HttpClient;
    allowPrivateNetwork: boolean;
    /** What decides how the message may go (Messenger: a reply, or tagged as a human agent's). */
    context: { author: MessageAuthor; lastCustomerMessageAt: string | null; now: string };
  }): Promise<SendResult>;
  /**
   * The customer-service window (WhatsApp, Messenger: 24 h after the customer's last message): outside
   * it only a template may be sent. Null when the medium has none.
   */
  windowHours: number | null;
  /** Messenger: a person's reply may still go (tagged HUMAN_AGENT) this long after the customer's last message. */
  agentWindowHours: number | null;
  /** Whether it sends provider templates (WhatsApp's message templates). */
  templates: boolean;
  /** Attachments one message can carry on the medium (WhatsApp: one, with the text as its caption). */
  maxAttachments: number;
  /** Whether text and an attachment can go as one message (WhatsApp: as its caption; Messenger: no). */
  captions: boolean;
}
