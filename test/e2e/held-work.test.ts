import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';

// Work an agent accepted is never lost track of: a new connection's greeting hands it back, the agent
// can list it, and connected work nobody ends is ended after the queue's maxConnectedMinutes.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

let h: Harness;
let url: string;
const clients: AgentClient[] = [];
before(async () => {
  h = await startHarness();
  url = await h.listen();
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
});
beforeEach(() => h.clock.set('2026-03-02T10:00:00.000Z'));

async function setup(routing: Json) {
  const t = await createTenant(h, { timeZone: 'UTC' });
  const { queue } = await routedVoiceQueue(h, t.base, { routing });
  const agent = async (name: string) => {
    const created = await make(h, `${t.base}/agents`, { name, email: `${name}@example.com`, queueIds: [queue.id] });
    const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
    return { ...created, token };
  };
  const connect = async (token: string) => {
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    return { client, hello: await client.next('hello') };
  };
  const call = async (customer = '+15065550000') =>
    (
      await h.call('POST', `${t.base}/interactions`, {
        body: { channelType: 'voice', contactPoint: '+18005555565', customer },
      })
    ).body.result;
  const get = async (id: string): Promise<Json> => (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
  return { ...t, queue, agent, connect, call, get };
}

test('held work is in the next greeting and in the agent list; the agent finishes it from the new connection', async () => {
  const s = await setup({ wrapUpSeconds: 60 });
  const ada = await s.agent('ada');
  const bo = await s.agent('bo');
  const first = await s.connect(ada.token);
  await first.client.request({ type: 'presence', status: 'available' });
  const call = await s.call();
  await first.client.next('offer');
  assert.equal((await first.client.request({ type: 'accept', interactionId: call.id })).ok, true);
  await first.client.close();

  const second = await s.connect(ada.token);
  assert.deepEqual(second.hello.offers, []);
  assert.deepEqual(
    second.hello.held.map((i: Json) => [i.id, i.state]),
    [[call.id, 'connected']],
  );
  const listed = await h.call('GET', `${s.base}/agents/${ada.id}/interactions`, { token: ada.token });
  assert.equal(listed.status, 200);
  assert.deepEqual(
    listed.body.result.map((i: Json) => i.id),
    [call.id],
  );
  // Another agent's token cannot read Ada's work; a key can.
  assert.equal((await h.call('GET', `${s.base}/agents/${ada.id}/interactions`, { token: bo.token })).status, 403);
  assert.equal((await h.call('GET', `${s.base}/agents/${bo.id}/interactions`)).body.result.length, 0);

  assert.equal((await second.client.request({ type: 'end', interactionId: call.id })).ok, true);
  const third = await s.connect(ada.token);
  assert.deepEqual(
    third.hello.held.map((i: Json) => [i.id, i.state]),
    [[call.id, 'wrap_up']],
  );
  assert.equal((await third.client.request({ type: 'complete', interactionId: call.id })).ok, true);
  assert.equal((await s.get(call.id)).state, 'completed');
});

test('connected work nobody ends is ended after maxConnectedMinutes, reported, and the capacity is free', async () => {
  const s = await setup({ wrapUpSeconds: 0, maxConnectedMinutes: 5 });
  const ada = await s.agent('ada');
  const { client } = await s.connect(ada.token);
  await client.request({ type: 'presence', status: 'available' });
  const first = await s.call('+15065550001');
  await client.next('offer');
  await client.request({ type: 'accept', interactionId: first.id });
  const second = await s.call('+15065550002');
  // Capacity one: the second call waits while the first is held.
  assert.equal((await s.get(second.id)).state, 'queued');
  await h.clock.advance(4 * 60_000);
  assert.equal((await s.get(first.id)).state, 'connected');
  await h.clock.advance(60_000);
  const ended = await s.get(first.id);
  assert.equal(ended.state, 'completed');
  const limit = ended.events.find((e: Json) => e.type === 'interaction.held_too_long');
  assert.deepEqual(limit.data, { agentId: ada.id, connectedAt: '2026-03-02T10:00:00.000Z', maxConnectedMinutes: 5 });
  assert.equal(ended.events.find((e: Json) => e.type === 'interaction.ended').data.by, 'system');
  const offer = await client.next('offer');
  assert.equal(offer.interaction.id, second.id);
});

test('maxConnectedMinutes is a whole number of minutes from 1 to 43,200; 480 by default', async () => {
  const t = await createTenant(h);
  const made = await make(h, `${t.base}/queues`, { name: 'Default' });
  assert.equal(made.routing.maxConnectedMinutes, 480);
  for (const value of [0, 43_201, 1.5, '5']) {
    const response = await h.call('POST', `${t.base}/queues`, { body: { name: 'Q', routing: { maxConnectedMinutes: value } } });
    assert.equal(response.status, 400, String(value));
  }
});
