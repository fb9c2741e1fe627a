import type { Channel, EntryPointException } from '../../core/model.js';
import { type Db, docs, parse, type Row, type Tx } from './documents.js';

// Entry-point exceptions (seed 002): per entry point, the queue and SLA that override its channel's
// defaults. The writes run inside the store's transactions (SqlStore: error mapping and fencing).

export async function listExceptions(db: Db, tenantId: string, channelId: string): Promise<EntryPointException[]> {
  const rows = await db
    .selectFrom('entry_point_exceptions')
    .select('doc')
    .where('tenant_id', '=', tenantId)
    .where('channel_id', '=', channelId)
    .orderBy('entry_point_id')
    .execute();
  return docs<EntryPointException>(rows);
}

export async function getException(db: Db, tenantId: string, entryPointId: string): Promise<EntryPointException | null> {
  return parse<EntryPointException>(
    await db
      .selectFrom('entry_point_exceptions')
      .select('doc')
      .where('tenant_id', '=', tenantId)
      .where('entry_point_id', '=', entryPointId)
      .executeTakeFirst(),
  );
}

function exceptionRow(exception: EntryPointException): Row {
  return {
    entry_point_id: exception.entryPointId,
    tenant_id: exception.tenantId,
    channel_id: exception.channelId,
    queue_id: exception.queueId,
    doc: JSON.stringify(exception),
  };
}

export async function insertException(trx: Tx, exception: EntryPointException): Promise<void> {
  await trx.insertInto('entry_point_exceptions').values(exceptionRow(exception)).execute();
}

export async function updateException(trx: Tx, exception: EntryPointException): Promise<boolean> {
  const result = await trx
    .updateTable('entry_point_exceptions')
    .set(exceptionRow(exception))
    .where('tenant_id', '=', exception.tenantId)
    .where('entry_point_id', '=', exception.entryPointId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteException(trx: Tx, tenantId: string, entryPointId: string): Promise<boolean> {
  const result = await trx
    .deleteFrom('entry_point_exceptions')
    .where('tenant_id', '=', tenantId)
    .where('entry_point_id', '=', entryPointId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The channel's defaults and its whole list of exceptions, replaced together. */
export async function replaceEntryPointSettings(trx: Tx, channel: Channel, exceptions: EntryPointException[]): Promise<void> {
  await trx
    .updateTable('channels')
    .set({ type: channel.type, default_queue_id: channel.defaultQueueId, doc: JSON.stringify(channel) })
    .where('id', '=', channel.id)
    .where('tenant_id', '=', channel.tenantId)
    .execute();
  await trx
    .deleteFrom('entry_point_exceptions')
    .where('tenant_id', '=', channel.tenantId)
    .where('channel_id', '=', channel.id)
    .execute();
  for (const exception of exceptions) await insertException(trx, exception);
}
