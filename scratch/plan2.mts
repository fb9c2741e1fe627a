import Database from 'better-sqlite3';
const db = new Database('/tmp/kb/plan.db');
for (const q of [
 `select "doc" from "dispatch_mappings" where "tenant_id" in (?) and "active" = 1 and "channel_type" in (?, ?) and (("interaction_field" = ? and "value" = ?) or ("interaction_field" = ? and "value" = ?))`,
 `select "doc" from "dispatch_mappings" where "active" = 1 and ("tenant_id", "channel_type", "interaction_field", "value") in (values (?, ?, ?, ?), (?, ?, ?, ?))`,
]) console.log(db.prepare('EXPLAIN QUERY PLAN ' + q).all(...Array((q.match(/\?/g)||[]).length).fill('x')).map(r => r.detail));
