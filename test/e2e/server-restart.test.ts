import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { routeByEntryPoint } from '../support/harness.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-serve-'));
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('serve on the embedded store: admin token generated once, data kept across restarts and a kill -9', async () => {
  server = await startServer({ SWITCHBOARD_DATA_DIR: dataDir });
  const printed = /Generated the admin token[^\n]*\n\s+(sba_\S+)/.exec(server.output());
  assert.ok(printed?.[1], server.output());
  const token = printed[1];
  assert.equal(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), token);
  assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);

  const tenant = (await request(server, token, 'POST', '/v1/tenants', { name: 'Acme', defaultCountry: 'US' })).body.result;
  const base = `/v1/tenants/${tenant.id}`;
  const queue = (await request(server, token, 'POST', `${base}/queues`, { name: 'Support', slaMinutes: 30 })).body.result;
  const channel = (
    await request(server, token, 'POST', `${base}/channels`, { name: 'Voice', type: 'voice', defaultQueueId: queue.id })
  ).body.result;
  await request(server, token, 'POST', `${base}/entry-points`, { channelId: channel.id, address: '+18005555565' });
  const flow = (await request(server, token, 'POST', `${base}/flows`, { name: 'Main', definition: routeByEntryPoint })).body
    .result;
  await request(server, token, 'POST', `${base}/dispatch-mappings`, {
    name: 'Main line',
    channelType: 'voice',
    interactionField: 'contact-point',
    value: '+18005555565',
    flowId: flow.id,
  });
  const created = await request(server, token, 'POST', `${base}/interactions`, {
    channelType: 'voice',
    contactPoint: '+18005555565',
    customer: '+15065552222',
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.result.state, 'queued');

  await server.stop('SIGTERM');
  server = await startServer({ SWITCHBOARD_DATA_DIR: dataDir });
  assert.doesNotMatch(server.output(), /Generated the admin token/);
  const again = await request(server, token, 'GET', `${base}/interactions/${created.body.result.id}`);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body.result, created.body.result);

  // Writes acknowledged before a kill -9 are there after the restart.
  const second = await request(server, token, 'POST', `${base}/interactions`, {
    channelType: 'voice',
    contactPoint: '+18005555565',
  });
  assert.equal(second.status, 201);
  await server.stop('SIGKILL');
  server = await startServer({ SWITCHBOARD_DATA_DIR: dataDir });
  const list = await request(server, token, 'GET', `${base}/interactions`);
  assert.deepEqual(
    list.body.result.map((i: { id: string }) => i.id),
    [created.body.result.id, second.body.result.id],
  );
  assert.equal((await request(server, token, 'GET', `${base}/queues/${queue.id}/waiting`)).body.result.length, 2);
});

test('SWITCHBOARD_ADMIN_TOKEN replaces the generated token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-token-'));
  const own = await startServer({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_ADMIN_TOKEN: 'my-own-admin-token' });
  try {
    assert.doesNotMatch(own.output(), /Generated the admin token/);
    assert.equal((await request(own, 'my-own-admin-token', 'GET', '/v1/tenants')).status, 200);
    assert.equal((await request(own, 'other', 'GET', '/v1/tenants')).status, 401);
  } finally {
    await own.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
