import type { ConversationMessage, Page, PageRequest } from '../../core/model.js';
import { type Db, paged, type Tx } from './documents.js';

/** SQL of the conversations aggregate: the messages of interactions (table conversation_messages). */

/** Adds messages, in the transaction that saves their interaction. */
export async function insertMessages(trx: Tx, messages: readonly ConversationMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await trx
    .insertInto('conversation_messages')
    .values(
      messages.map((message) => ({
        id: message.id,
        tenant_id: message.tenantId,
        interaction_id: message.interactionId,
        external_id: message.externalId,
        doc: JSON.stringify(message),
      })),
    )
    .execute();
}

export function listConversation(
  db: Db,
  tenantId: string,
  interactionId: string,
  page: PageRequest,
): Promise<Page<ConversationMessage>> {
  const query = db
    .selectFrom('conversation_messages')
    .select(['id', 'doc'])
    .where('interaction_id', '=', interactionId)
    .where('tenant_id', '=', tenantId);
  return paged<ConversationMessage>(query, page);
}

export async function findExternalIds(
  db: Db,
  tenantId: string,
  interactionId: string,
  externalIds: readonly string[],
): Promise<string[]> {
  if (externalIds.length === 0) return [];
  const rows = await db
    .selectFrom('conversation_messages')
    .select('external_id')
    .where('interaction_id', '=', interactionId)
    .where('tenant_id', '=', tenantId)
    .where('external_id', 'in', [...externalIds])
    .execute();
  return rows.map((row) => String(row.external_id));
}
