import type {
  ConversationMessage,
  MessageAttachment,
  MessageAuthor,
  MessageTemplate,
  OutboxItem,
  StructuredContent,
} from '../../core/model.js';
import type { IdGenerator } from '../id-generator.js';

/** What a message to the customer carries. */
export interface OutgoingContent {
  text: string;
  attachments: MessageAttachment[];
  template: MessageTemplate | null;
  /** Choices the customer can tap (Messenger's quick replies). */
  quickReplies?: string[];
  /** Rich content where the medium has it (a carousel, a list to pick from). */
  structured?: StructuredContent | null;
}

/**
 * An outbound message and the outbox item that sends it, made together: both go into the change that
 * decides the send (an agent's reply, a flow's sendMessage), and the item leaves after its commit.
 */
export function outboundMessage(
  newId: IdGenerator,
  at: string,
  to: { tenantId: string; interactionId: string },
  content: OutgoingContent,
  from: { author: MessageAuthor; sender: ConversationMessage['sender'] },
): { message: ConversationMessage; item: OutboxItem } {
  const message: ConversationMessage = {
    id: newId(),
    tenantId: to.tenantId,
    interactionId: to.interactionId,
    kind: 'message',
    direction: 'outbound',
    author: from.author,
    text: content.text,
    externalId: null,
    sender: from.sender,
    sentAt: at,
    endedAt: null,
    createdAt: at,
    attachments: content.attachments,
    template: content.template,
    ...(content.quickReplies && content.quickReplies.length > 0 ? { quickReplies: content.quickReplies } : {}),
    ...(content.structured ? { structured: content.structured } : {}),
    status: 'queued',
    statusAt: at,
    error: null,
  };
  const item: OutboxItem = {
    id: newId(),
    tenantId: to.tenantId,
    orderingKey: to.interactionId,
    destination: 'messaging',
    payload: { interactionId: to.interactionId, messageId: message.id },
    attempts: 0,
    nextAttemptAt: at,
    lastError: null,
    state: 'pending',
    createdAt: at,
  };
  return { message, item };
}
