import type { ConversationMessage, Page, PageRequest } from '../../core/model.js';
import { type Db, paged, parse, type Tx } from './documents.js';

/** SQL of the conversations aggregate: the messages of interactions (table conversation_messages). */

/** Adds messages, or replaces them by id (a status change), in the transaction that saves their interaction. */
export async function saveMessages(trx: Tx, messages: readonly ConversationMessage[]): Promise<void> {
  // One row per id even when a change both adds a message and updates it (the last version wins).
  const latest = new Map(messages.map((message) => [message.id, message]));
  if (latest.size === 0) return;
  await trx
    .insertInto('conversation_messages')
    .values(
      [...latest.values()].map((message) => ({
        id: message.id,
        tenant_id: message.tenantId,
        interaction_id: message.interactionId,
        external_id: message.externalId,
        doc: JSON.stringify(message),
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({ external_id: eb.ref('excluded.external_id'), doc: eb.ref('excluded.doc') })),
    )
    .execute();
}

export async function getMessage(db: Db, tenantId: string, id: string): Promise<ConversationMessage | null> {
  return parse<ConversationMessage>(
    await db
      .selectFrom('conversation_messages')
      .select('doc')
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst(),
  );
}

export async function findMessageByExternalId(db: Db, tenantId: string, externalId: string): Promise<ConversationMessage | null> {
  return parse<ConversationMessage>(
    await db
      .selectFrom('conversation_messages')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('external_id', '=', externalId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  );
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
