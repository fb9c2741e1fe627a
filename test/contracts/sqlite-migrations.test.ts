import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../src/store/sql/schema.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

// An embedded database made by an earlier version keeps its data through the migrations that rebuild
// tables: written here at migration 0007, then opened by the current store.

const dir = mkdtempSync(join(tmpdir(), 'switchboard-sqlite-migrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('events and timers written before 0008 survive the rebuild, and new events number after them', async () => {
  const filename = join(dir, 'old.db');
  const old = new Database(filename);
  old.pragma('journal_mode = WAL');
  old.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const upTo = migrations.findIndex((m) => m.id.startsWith('0008'));
  assert.ok(upTo > 0);
  for (const migration of migrations.slice(0, upTo)) {
    for (const statement of migration.statements('sqlite')) old.exec(statement);
    old.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(migration.id, '2026-01-01T00:00:00.000Z');
  }
  const at = '2026-03-02T10:00:00.000Z';
  const tenant = {
    id: 't1',
    name: 'Old',
    defaultCountry: null,
    timeZone: 'UTC',
    parentTenantId: null,
    allowPrivateNetworkRequests: false,
    createdAt: at,
  };
  old.prepare('INSERT INTO tenants (id, parent_tenant_id, doc) VALUES (?, NULL, ?)').run(tenant.id, JSON.stringify(tenant));
  old
    .prepare(
      'INSERT INTO interactions (id, tenant_id, state, queue_id, priority, due_at, enqueued_at, no_reply_needed, revision, doc) VALUES (?, ?, ?, NULL, 0, NULL, NULL, 0, 1, ?)',
    )
    .run(
      'i1',
      't1',
      'queued',
      JSON.stringify({
        id: 'i1',
        tenantId: 't1',
        state: 'queued',
        queueId: null,
        priority: 0,
        dueAt: null,
        enqueuedAt: null,
        noReplyNeeded: false,
        revision: 1,
      }),
    );
  const insertEvent = old.prepare(
    'INSERT INTO interaction_events (tenant_id, interaction_id, type, at, data) VALUES (?, ?, ?, ?, ?)',
  );
  for (const type of ['interaction.created', 'interaction.queued', 'offer.created']) insertEvent.run('t1', 'i1', type, at, '{}');
  old
    .prepare('INSERT INTO timers (id, tenant_id, interaction_id, due_at, kind) VALUES (?, ?, ?, ?, ?)')
    .run('tm1', 't1', 'i1', at, 'offer');
  old.close();

  const store = await createSqliteStore({ filename });
  try {
    const events = await store.listEvents('t1', 0, 10);
    assert.deepEqual(
      events.map((e) => [e.seq, e.type]),
      [
        [1, 'interaction.created'],
        [2, 'interaction.queued'],
        [3, 'offer.created'],
      ],
    );
    assert.deepEqual(await store.listTimers(), [{ id: 'tm1', tenantId: 't1', interactionId: 'i1', kind: 'offer', dueAt: at }]);
    const current = await store.getInteraction('t1', 'i1');
    assert.ok(current);
    await store.saveInteractions([
      { interaction: { ...current, revision: 2 }, events: [{ interactionId: 'i1', type: 'offer.expired', at, data: {} }] },
    ]);
    // The feed goes on after the events that were there: seq only grows.
    assert.deepEqual(
      (await store.listEvents('t1', 3, 10)).map((e) => e.seq),
      [4],
    );
  } finally {
    await store.close();
  }
});
