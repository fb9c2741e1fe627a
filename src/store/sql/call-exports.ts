import type { CallExport, OutboxSettlement, Page, PageRequest } from '../../core/model.js';
import { type Db, paged, parse, type Tx } from './documents.js';
import { writeOutbox } from './outbox.js';

/**
 * SQL of the call exports aggregate (tables call_exports and integration_secrets): a finished call's
 * export to each integration, written with the change that ends the call (one per call and integration:
 * a later save of the same ended call adds none), then updated as its delivery goes.
 */

/** Inserts the exports; answers the ids of those the call already had for their integration (not inserted). */
export async function insertCallExports(trx: Tx, exports: readonly CallExport[]): Promise<Set<string>> {
  const skipped = new Set<string>();
  for (const record of exports) {
    const result = await trx
      .insertInto('call_exports')
      .values({
        id: record.id,
        tenant_id: record.tenantId,
        interaction_id: record.interactionId,
        integration_id: record.integrationId,
        doc: JSON.stringify(record),
      })
      .onConflict((oc) => oc.columns(['interaction_id', 'integration_id']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) skipped.add(record.id);
  }
  return skipped;
}

export function getCallExport(db: Db, tenantId: string, id: string): Promise<CallExport | null> {
  return db
    .selectFrom('call_exports')
    .select('doc')
    .where('id', '=', id)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst()
    .then((row) => parse<CallExport>(row));
}

export function listCallExports(
  db: Db,
  tenantId: string,
  filter: { interactionId?: string },
  page: PageRequest,
): Promise<Page<CallExport>> {
  let query = db.selectFrom('call_exports').select(['id', 'doc']).where('tenant_id', '=', tenantId);
  if (filter.interactionId) query = query.where('interaction_id', '=', filter.interactionId);
  return paged<CallExport>(query, page);
}

/** Whether the call has been exported already (to any integration). */
export async function hasCallExports(db: Db, tenantId: string, interactionId: string): Promise<boolean> {
  const row = await db
    .selectFrom('call_exports')
    .select('id')
    .where('interaction_id', '=', interactionId)
    .where('tenant_id', '=', tenantId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** What became of a delivery attempt, with the outbox item it settles (when it does), in one transaction. */
export async function recordCallExport(db: Db, record: CallExport, settlement: OutboxSettlement | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('call_exports')
      .set({ doc: JSON.stringify(record) })
      .where('id', '=', record.id)
      .where('tenant_id', '=', record.tenantId)
      .execute();
    await writeOutbox(trx, [], settlement ? [settlement] : []);
  });
}

export async function setIntegrationSecrets(
  db: Db,
  tenantId: string,
  integrationId: string,
  secrets: Record<string, string>,
): Promise<void> {
  const doc = JSON.stringify(secrets);
  await db
    .insertInto('integration_secrets')
    .values({ integration_id: integrationId, tenant_id: tenantId, doc })
    .onConflict((oc) => oc.column('integration_id').doUpdateSet({ doc }))
    .execute();
}

export async function getIntegrationSecrets(db: Db, tenantId: string, integrationId: string): Promise<Record<string, string>> {
  const row = await db
    .selectFrom('integration_secrets')
    .select('doc')
    .where('integration_id', '=', integrationId)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row ? (JSON.parse(String(row.doc)) as Record<string, string>) : {};
}
