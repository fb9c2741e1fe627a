import type { OutboxItem, OutboxSettlement } from '../../core/model.js';
import { type Db, docs, type Tx } from './documents.js';

/**
 * SQL of the outbox (table outbox): items are written with the change that decides to send them;
 * a sent item is deleted with the change that records it sent, a refused one stays, failed.
 */

export async function writeOutbox(trx: Tx, added: readonly OutboxItem[], settled: readonly OutboxSettlement[]): Promise<void> {
  if (added.length > 0) {
    await trx
      .insertInto('outbox')
      .values(
        added.map((item) => ({
          id: item.id,
          tenant_id: item.tenantId,
          ordering_key: item.orderingKey,
          state: item.state,
          doc: JSON.stringify(item),
        })),
      )
      .execute();
  }
  for (const settlement of settled) {
    if (settlement.outcome === 'sent') {
      await trx.deleteFrom('outbox').where('id', '=', settlement.id).execute();
      continue;
    }
    const row = await trx.selectFrom('outbox').select('doc').where('id', '=', settlement.id).executeTakeFirst();
    if (!row) continue;
    const item: OutboxItem = { ...(JSON.parse(String(row.doc)) as OutboxItem), state: 'failed', lastError: settlement.error };
    await trx
      .updateTable('outbox')
      .set({ state: 'failed', doc: JSON.stringify(item) })
      .where('id', '=', settlement.id)
      .execute();
  }
}

export async function listPendingOutbox(db: Db, limit: number, tenantId?: string): Promise<OutboxItem[]> {
  let query = db.selectFrom('outbox').select(['id', 'doc']).where('state', '=', 'pending');
  if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
  const rows = await query.orderBy('id').limit(limit).execute();
  return docs<OutboxItem>(rows);
}

export async function retryOutbox(
  db: Db,
  id: string,
  attempts: number,
  nextAttemptAt: string,
  lastError: string,
  fence?: (trx: Tx, tenantId: string) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('outbox')
      .select(['doc', 'tenant_id'])
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (!row) return;
    await fence?.(trx, String(row.tenant_id));
    const item: OutboxItem = { ...(JSON.parse(String(row.doc)) as OutboxItem), attempts, nextAttemptAt, lastError };
    await trx
      .updateTable('outbox')
      .set({ doc: JSON.stringify(item) })
      .where('id', '=', id)
      .execute();
  });
}
