import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually } from '../support/http-receiver.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';

// A callback never fires twice, and is never lost, across a kill -9 of the real server: before its time,
// just after it, and between a flow's callback step and the callback it makes.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-callback-crash-'));
const token = 'callback-crash-admin';
const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token };
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (method: string, path: string, body?: unknown) => request(server as ServerProcess, token, method, path, body);
const restart = async () => {
  await server?.stop('SIGKILL');
  server = await startServer(env);
};
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

test('kill -9 before a callback is due, after it, and right after a flow asks for one: each is made and queued once', async () => {
  server = await startServer(env);
  const tenant = (await call('POST', '/v1/tenants', { name: 'Crash', defaultCountry: 'US' })).body.result;
  const base = `/v1/tenants/${tenant.id}`;
  const sales = (await call('POST', `${base}/queues`, { name: 'Sales' })).body.result;
  // A call nobody dispatches (no mapping yet): what agents ask callbacks on.
  const on = (await call('POST', `${base}/interactions`, { channelType: 'voice', customer: '+15065550000' })).body.result;
  const ask = async (at: string) => {
    const made = await call('POST', `${base}/interactions/${on.id}/callbacks`, { queue: 'Sales', at });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.result.state, 'created', 'waits for its time');
    return made.body.result.id as string;
  };
  const get = async (id: string) => (await call('GET', `${base}/interactions/${id}`)).body.result;
  const queuedOnce = async (id: string) => {
    const callback = await eventually(async () => {
      const found = await get(id);
      return found.state === 'queued' ? found : null;
    }, 1000);
    assert.equal(callback.events.filter((e: Json) => e.type === 'interaction.queued').length, 1, 'queued once');
    assert.equal(callback.queueId, sales.id);
  };

  // 1. Killed while the callback waits for its time: after the restart it is queued when its time comes.
  const early = await ask(inSeconds(3));
  await restart();
  await queuedOnce(early);

  // 2. Killed just after it was queued: the restart does not queue it again.
  const due = await ask(inSeconds(1));
  await queuedOnce(due);
  await restart();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await queuedOnce(due);

  // 3. A flow's callback step, killed at once: the callback it asked for exists once after the restart.
  const flow = (
    await call('POST', `${base}/flows`, {
      name: 'Callback',
      definition: { start: 'cb', steps: [{ id: 'cb', type: 'callback', queue: 'Sales' }] },
    })
  ).body.result;
  await call('POST', `${base}/dispatch-mappings`, {
    name: 'in',
    interactionField: 'direction',
    value: 'inbound',
    flowId: flow.id,
  });
  const asked = (await call('POST', `${base}/interactions`, { channelType: 'voice', customer: '+15065550001' })).body.result;
  assert.equal(asked.state, 'callback_requested');
  await restart();
  const callbackId = await eventually(async () => {
    const found = await get(asked.id);
    return found.events.find((e: Json) => e.type === 'callback.created')?.data.callbackId ?? null;
  }, 1000);
  await queuedOnce(callbackId);
  await restart();
  const calls = (await get(asked.id)).events.filter((e: Json) => e.type === 'callback.created');
  assert.equal(calls.length, 1, 'made once');
  const queued = (await call('GET', `${base}/interactions?state=queued&limit=200`)).body.result as Json[];
  assert.deepEqual(
    queued.filter((i) => i.parentInteractionId === asked.id).map((i) => i.id),
    [callbackId],
  );
});
