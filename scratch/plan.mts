import Database from 'better-sqlite3';
import { createSqliteStore } from '/work/main/src/store/sqlite/sqlite-store.ts';
const s = await createSqliteStore({ filename: '/tmp/kb/plan.db' }); await s.close();
const db = new Database('/tmp/kb/plan.db');
const q = `select "doc" from "dispatch_mappings" where "tenant_id" in (?) and "active" = ? and "channel_type" in (?, ?) and (("interaction_field" = ? and "value" = ?) or ("interaction_field" = ? and "value" = ?))`;
console.log(db.prepare('EXPLAIN QUERY PLAN ' + q).all('t', 1, 'voice', 'any', 'direction', 'inbound', 'source', 'x'));
console.log(db.prepare(`EXPLAIN QUERY PLAN select * from interaction_events where tenant_id = ? and interaction_id = ? order by seq`).all('t','i'));
