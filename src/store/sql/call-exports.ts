import type { CallExport } from '../../core/integrations.js';
import type { OutboxSettlement, Page, PageRequest } from '../../core/model.js';
import { type Db, paged, parse, type Tx } from './documents.js';
import { writeOutbox } from './outbox.js';

/**
 * SQL of the call exports aggregate (tables call_exports and integration_secrets): a finished call's
 * export to each integration, written with the change that ends the call (one per call and integration:
 * a later save of the same ended call adds none), then updated as its delivery goes.
 */

/**
 * Inserts the exports, or refreshes a held one (same id); answers the ids of those not written: the call
 * already had another export for that integration.
 */
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
      .onConflict((oc) =>
        oc
          .columns(['interaction_id', 'integration_id'])
          .doUpdateSet((eb) => ({ doc: eb.ref('excluded.doc') }))
          .whereRef('call_exports.id', '=', 'excluded.id'),
      )
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

/** What became of a delivery attempt, with the outbox item it settles (when it does), in one transaction. */
export async function recordCallExport(
  db: Db,
  record: CallExport,
  settlement: OutboxSettlement | null,
  fence?: (trx: Tx, tenantId: string) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await fence?.(trx, record.tenantId);
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
