import { createSqliteStore } from '/work/main/src/store/sqlite/sqlite-store.ts';
const store = await createSqliteStore({ filename: '/tmp/kb/kb.db' });
const db = (store as any).db;
await store.createTenant({ id: 't1', name: 'x', parentTenantId: null } as any);
const N = 20000;
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) await store.getTenant('t1');
  const a = (performance.now() - t) / N * 1000;
  t = performance.now();
  for (let i = 0; i < N; i++) await db.selectFrom('tenants').select('doc').where('id', '=', 't1').executeTakeFirst();
  const b = (performance.now() - t) / N * 1000;
  const { CompiledQuery } = await import('kysely');
  t = performance.now();
  for (let i = 0; i < N; i++) await db.executeQuery(CompiledQuery.raw('select "doc" from "tenants" where "id" = ?', ['t1']));
  const c = (performance.now() - t) / N * 1000;
  console.log(`getTenant ${a.toFixed(1)}us, kysely builder ${b.toFixed(1)}us, compiled ${c.toFixed(1)}us`);
}
await store.close();
