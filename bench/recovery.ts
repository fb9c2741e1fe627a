/**
 * Recovery after a restart: how long a server takes from opening its store to having every open
 * interaction back in the router (timers re-armed, queues rebuilt, assignment run), with 100 000 open
 * interactions — next to the floor any recovery pays: reading and parsing those rows with
 * better-sqlite3 directly, in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { defaultQueueRouting, type Interaction, untouchedRouting } from '../src/core/model.js';
import { systemClock } from '../src/engine/clock.js';
import { createEngine } from '../src/engine/engine.js';
import { createUuidV7Generator } from '../src/engine/id-generator.js';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { fmt, printTable, type Row } from './report.js';

export async function runRecovery(open = 100_000): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-recovery-'));
  const filename = join(dir, 'switchboard.db');
  const newId = createUuidV7Generator();
  try {
    const store = await createSqliteStore({ filename });
    const now = new Date().toISOString();
    const tenantId = newId();
    await store.createTenant({
      id: tenantId,
      name: 'Bench',
      defaultCountry: 'US',
      timeZone: 'UTC',
      parentTenantId: null,
      allowPrivateNetworkRequests: false,
      createdAt: now,
    });
    const queueId = newId();
    await store.queues.insert({
      id: queueId,
      tenantId,
      name: 'Q',
      devName: 'Q',
      description: null,
      slaMinutes: 30,
      routing: defaultQueueRouting,
      createdAt: now,
      updatedAt: now,
    });
    for (let i = 0; i < 100; i++) {
      await store.agents.insert({
        id: newId(),
        tenantId,
        name: `Agent ${i}`,
        email: `agent${i}@example.com`,
        employeeId: null,
        attributes: { skills: { billing: i % 5 } },
        capacity: { voice: 1, sms: 3, email: 3, messaging: 3, 'work-item': 3 },
        voiceBlocksOtherWork: true,
        queueIds: [queueId],
        presence: { status: 'offline', reason: null, since: now },
        createdAt: now,
        updatedAt: now,
      });
    }
    const base: Omit<Interaction, 'id'> = {
      tenantId,
      channelType: 'voice',
      medium: null,
      direction: 'inbound',
      customer: '+15065550000',
      contactPoint: '+18005555565',
      source: null,
      attributes: {},
      priority: 0,
      state: 'queued',
      flowId: null,
      flowVersionId: null,
      queueId,
      entryPointId: null,
      dueAt: now,
      unansweredSince: now,
      noReplyNeeded: false,
      dispatchError: null,
      dispatch: null,
      placement: null,
      ...untouchedRouting(),
      parentInteractionId: null,
      enqueuedAt: now,
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
    for (let i = 0; i < open; i++) {
      const id = newId();
      // A tenth wait in a flow with a timer, like input or queue-wait time-outs would.
      const timers =
        i % 10 === 0
          ? {
              set: [
                {
                  id: `${id}:timer:1`,
                  tenantId,
                  interactionId: id,
                  kind: 'flow' as const,
                  dueAt: new Date(Date.now() + 3_600_000).toISOString(),
                },
              ],
              cancel: [],
            }
          : undefined;
      await store.createInteraction(
        { interaction: { ...base, id, enqueuedAt: new Date(Date.parse(now) + i).toISOString() }, events: [], timers },
        null,
      );
    }
    await store.close();

    // Baseline: read and parse every open interaction, nothing else.
    const t0 = performance.now();
    const raw = new Database(filename, { readonly: true });
    const rows = raw.prepare("SELECT doc FROM interactions WHERE state = 'queued'").all() as { doc: string }[];
    let parsed = 0;
    for (const row of rows) parsed += JSON.parse(row.doc).revision;
    raw.close();
    const floorMs = performance.now() - t0;

    // Switchboard: open the store, build the engine, re-arm timers and rebuild the router's view.
    const t1 = performance.now();
    const reopened = await createSqliteStore({ filename });
    const engine = createEngine({ store: reopened, clock: systemClock, newId, adminToken: 'bench' });
    const timers = await engine.start();
    const snapshot = await engine.router.queueSnapshot(tenantId, queueId);
    const recoveryMs = performance.now() - t1;
    engine.stop();
    await reopened.close();
    if (snapshot.waiting !== open || parsed !== open) throw new Error(`recovered ${snapshot.waiting} of ${open}`);
    return [
      {
        name: 'recovery (open store → router ready)',
        size: `${fmt(open)} open interactions, ${fmt(timers)} timers`,
        value: `${fmt(recoveryMs / 1000, 2)} s`,
        baseline: `${fmt(floorMs / 1000, 2)} s (read + parse rows)`,
        ratio: `${fmt(recoveryMs / floorMs, 1)}×`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printTable('Recovery (bench/recovery.ts)', await runRecovery());
