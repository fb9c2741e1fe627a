import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runStoreContract, sampleInteraction, sampleTenant } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));

runStoreContract('sqlite', {
  open: () => createSqliteStore({ filename: join(dir, 'contract.db') }),
  destroy: async () => undefined,
});

describe('SQLite store thread', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a read sent between two changes of an interaction sees the first change and not the second', async () => {
    // The main thread folds a change into an earlier write of the same interaction in the batch; a
    // read in between must still find the events as they were when it was made, a prefix of the feed.
    const store = await createSqliteStore({ filename: join(dir, 'read-between.db') });
    try {
      const tenant = sampleTenant('A');
      await store.createTenant(tenant);
      const interaction = sampleInteraction(tenant.id, { state: 'queued' });
      const event = (type: string) => ({ interactionId: interaction.id, type, at: interaction.createdAt, data: {} });
      assert.ok((await store.createInteraction({ interaction, events: [event('created')] }, null)).created);
      const offered = { ...interaction, state: 'offered' as const, revision: 2 };
      assert.equal(await store.saveInteractions([{ interaction: offered, events: [event('offered')] }]), true);
      const read = store.listEvents(tenant.id, 0, 100);
      const connected = { ...offered, state: 'connected' as const, revision: 3 };
      assert.equal(await store.saveInteractions([{ interaction: connected, events: [event('accepted')] }]), true);
      assert.deepEqual(
        (await read).map((e) => e.type),
        ['created', 'offered'],
      );
      assert.deepEqual(
        (await store.listEvents(tenant.id, 0, 100)).map((e) => e.type),
        ['created', 'offered', 'accepted'],
      );
      assert.deepEqual(await store.getInteraction(tenant.id, interaction.id), connected);
    } finally {
      await store.close();
    }
  });

  test('a change checked on the main thread that the store thread refuses stops the store before it is announced', async () => {
    const filename = join(dir, 'behind-its-back.db');
    const fatal: unknown[] = [];
    const store = await createSqliteStore({ filename, onFatal: (error) => fatal.push(error) });
    try {
      const tenant = sampleTenant('A');
      await store.createTenant(tenant);
      const interaction = sampleInteraction(tenant.id);
      assert.ok((await store.createInteraction({ interaction, events: [] }, null)).created);
      await store.committed();
      // Another writer (which the database file must not have) moves the interaction on.
      const intruder = new Database(filename);
      intruder.pragma('busy_timeout = 5000');
      intruder.prepare('UPDATE interactions SET revision = revision + 1 WHERE id = ?').run(interaction.id);
      intruder.close();
      // The main thread still holds revision 1 and takes the save; the store thread finds revision 2.
      const offered = { ...interaction, state: 'offered' as const, revision: 2 };
      assert.equal(await store.saveInteractions([{ interaction: offered, events: [] }]), true);
      await assert.rejects(store.committed(), /refused a change/);
      assert.equal(fatal.length, 1);
      // Nothing more goes to the thread.
      await assert.rejects(store.listInteractions(tenant.id, {}, { limit: 10, after: null }), /refused a change/);
    } finally {
      await store.close().catch(() => undefined);
    }
  });
});
