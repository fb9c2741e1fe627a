import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import { jsonDepth, jsonLimits } from '../../core/json-limits.js';
import type { Page, PageRequest } from '../../core/model.js';

// Rows are plain records: each driver's Kysely instance is untyped, the documents carry the types.
// biome-ignore lint/suspicious/noExplicitAny: the schema lives in schema.ts, not in Kysely types.
export type Db = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
export type Tx = Transaction<any>;
export type Row = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
export type Query = SelectQueryBuilder<any, any, any>;

/**
 * A stored document, or null when it cannot be read: nested deeper than anything the API accepts
 * (an older version stored such input), it would overflow the stack of every recursive reader after
 * this one (freezing, structured clone, serialising). It is reported and skipped, so one record
 * cannot stop a list, a start-up or the rest of its tenant.
 */
export function readDoc<T>(text: string): T | null {
  const value = JSON.parse(text) as T;
  if (jsonDepth(value, jsonLimits.maxStoredDepth) <= jsonLimits.maxStoredDepth) return value;
  const id = String((value as { id?: unknown }).id ?? 'without an id');
  if (!reportedUnreadable.has(id) && reportedUnreadable.size < 10_000) {
    reportedUnreadable.add(id);
    process.emitWarning(
      `Skipped stored record ${id}: it nests more than ${jsonLimits.maxStoredDepth} levels deep (stored by an older version). Correct or delete its row.`,
      { code: 'SWITCHBOARD_UNREADABLE_RECORD' },
    );
  }
  return null;
}
/** Ids already reported, so a record read on every list is reported once. */
const reportedUnreadable = new Set<string>();

export function parse<T>(row: Row | undefined): T | null {
  return row ? readDoc<T>(String(row.doc)) : null;
}

export function docs<T>(rows: unknown[]): T[] {
  const read: T[] = [];
  for (const row of rows) {
    const doc = readDoc<T>(String((row as Row).doc));
    if (doc !== null) read.push(doc);
  }
  return read;
}

/** One page of documents in id (creation) order after the cursor; the query selects `doc`. */
export async function paged<T extends { id: string }>(query: Query, page: PageRequest): Promise<Page<T>> {
  const after = page.after ? query.where('id', '>', page.after) : query;
  const rows = await after
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const items = docs<T>(rows.slice(0, page.limit));
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > page.limit && last ? last.id : null };
}
