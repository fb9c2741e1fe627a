import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createScratchDatabase } from '../support/postgres.js';
import { runQuickStart } from '../support/readme.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';

// The production configuration: `switchboard serve` with DATABASE_URL, driven over real HTTP.

const database = await createScratchDatabase('sb_serve');
const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  if (!('skip' in database)) await database.drop();
});

test('serve on PostgreSQL: the quick start works, concurrent retries create one interaction, data survives a restart', {
  skip: 'skip' in database ? database.skip : false,
}, async () => {
  if ('skip' in database) return;
  const env = { DATABASE_URL: database.url, SWITCHBOARD_DATA_DIR: join(dir, 'data'), SWITCHBOARD_ADMIN_TOKEN: 'pg-admin' };
  server = await startServer(env);
  assert.match(server.output(), /store: postgres/);
  const lines = await runQuickStart(dir, server.url, { TOKEN: 'pg-admin' });
  assert.equal(JSON.parse(lines[1] ?? '').queueSource, 'exception');

  const tenant = (await request(server, 'pg-admin', 'GET', '/v1/tenants')).body.result[0];
  const base = `/v1/tenants/${tenant.id}`;
  // Twenty simultaneous deliveries of one provider webhook: one interaction, the same answer to all.
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(`${server?.url}${base}/interactions`, {
        method: 'POST',
        headers: { authorization: 'Bearer pg-admin', 'content-type': 'application/json', 'idempotency-key': 'webhook-77' },
        body: JSON.stringify({ channelType: 'sms', customer: '+15065550177', contactPoint: '+18005555565' }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { result: { id: string } } })),
    ),
  );
  assert.ok(answers.every((a) => a.status === 200 || a.status === 201));
  assert.equal(answers.filter((a) => a.status === 201).length, 1);
  assert.equal(new Set(answers.map((a) => a.body.result.id)).size, 1);
  // Concurrent creates of the same active mapping: exactly one wins, the rest get the 409.
  const flow = (await request(server, 'pg-admin', 'GET', `${base}/flows`)).body.result[0];
  const mappings = await Promise.all(
    Array.from({ length: 10 }, () =>
      request(server as ServerProcess, 'pg-admin', 'POST', `${base}/dispatch-mappings`, {
        name: 'race',
        channelType: 'sms',
        interactionField: 'customer',
        value: '+15065550188',
        flowId: flow.id,
      }),
    ),
  );
  assert.deepEqual(mappings.map((m) => m.status).sort(), [201, ...Array(9).fill(409)]);

  const before = (await request(server, 'pg-admin', 'GET', `${base}/interactions?limit=200`)).body.result;
  await server.stop('SIGKILL');
  server = await startServer(env);
  const afterRestart = (await request(server, 'pg-admin', 'GET', `${base}/interactions?limit=200`)).body.result;
  assert.deepEqual(afterRestart, before);
  assert.equal(before.length, 4);
});
