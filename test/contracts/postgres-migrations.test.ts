import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { createScratchDatabase } from '../support/postgres.js';

const database = await createScratchDatabase('sb_migrate');

test('several processes starting at once on one PostgreSQL database migrate it once', {
  skip: 'skip' in database ? database.skip : false,
}, async () => {
  if ('skip' in database) return;
  try {
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => createPostgresStore({ connectionString: database.url, maxConnections: 2 })),
    );
    const tenants = await Promise.all(stores.map((store) => store.listTenants({ limit: 1, after: null })));
    assert.ok(tenants.every((page) => page.items.length === 0));
    await Promise.all(stores.map((store) => store.close()));
  } finally {
    await database.drop();
  }
});
