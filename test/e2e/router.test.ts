import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AgentClient, connectAgent, type Message } from '../support/agent-client.js';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';

// The router through its public surface: offers over real WebSocket clients, REST actions, timers on
// the simulated clock.

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

/** A tenant with one voice channel, a flow that routes to a queue, and helpers around it. */
async function setup(queueRouting: Json = {}, flowStep: Json = {}) {
  const t = await createTenant(h, { timeZone: 'UTC' });
  const { queue: support } = await routedVoiceQueue(h, t.base, { slaMinutes: 10, routing: queueRouting }, flowStep);
  const chat = await make(h, `${t.base}/channels`, {
    name: 'Chat',
    type: 'messaging',
    medium: 'chat',
    defaultQueueId: support.id,
  });
  await make(h, `${t.base}/entry-points`, { channelId: chat.id, address: 'widget' });

  async function agent(name: string, fields: Json = {}, presence = 'available') {
    const created = await make(h, `${t.base}/agents`, {
      name,
      email: `${name.toLowerCase()}@example.com`,
      queueIds: [support.id],
      ...fields,
    });
    const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    const hello = await client.next('hello');
    assert.equal(hello.protocol, 1);
    if (presence !== 'offline') {
      const result = await client.request({ type: 'presence', status: presence });
      assert.equal(result.ok, true);
      assert.equal((await client.next('presence')).presence.status, presence);
    }
    return { ...created, token, client };
  }
  async function call(fields: Json = {}) {
    const response = await h.call('POST', `${t.base}/interactions`, {
      body: { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550000', ...fields },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.result;
  }
  async function chatArrives(fields: Json = {}) {
    const response = await h.call('POST', `${t.base}/interactions`, {
      body: { channelType: 'messaging', medium: 'chat', contactPoint: 'widget', customer: 'visitor', ...fields },
    });
    return response.body.result;
  }
  const get = async (id: string): Promise<Json> => (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
  return { ...t, support, agent, call, chatArrives, get };
}

const types = (interaction: Json) => interaction.events.map((e: Json) => e.type);

beforeEach(async () => {
  await h.clock.set('2026-03-02T10:00:00.000Z');
});

describe('offers over the WebSocket', () => {
  test('an available agent is offered queued work, accepts it, and the flow run is done', async () => {
    const s = await setup();
    const ada = await s.agent('Ada');
    const created = await s.call();
    const offer = await ada.client.next('offer');
    assert.equal(offer.interaction.id, created.id);
    assert.equal(offer.offer.agentId, ada.id);
    assert.equal(offer.offer.expiresAt, '2026-03-02T10:00:30.000Z');
    const accepted = await ada.client.request({ type: 'accept', interactionId: created.id });
    assert.equal(accepted.ok, true);
    assert.equal(accepted.interaction.state, 'connected');
    const stored = await s.get(created.id);
    assert.equal(stored.agentId, ada.id);
    assert.equal(stored.flowRun.status, 'completed');
    assert.equal(stored.flowRun.outcome.kind, 'connected');
    assert.deepEqual(stored.flowRun.path[0].agentsOffered, [ada.id]);
    assert.equal(stored.flowRun.path[0].exit, 'connected');
    assert.deepEqual(types(stored).slice(-3), ['offer.created', 'offer.accepted', 'interaction.connected']);
    const again = await ada.client.request({ type: 'accept', interactionId: created.id });
    assert.equal(again.ok, false);
    assert.equal(again.errors[0].code, 'OFFER_NOT_OPEN');
  });

  test('an offline agent is never offered anything; becoming available brings the waiting offer', async () => {
    const s = await setup();
    const bob = await s.agent('Bob', {}, 'offline');
    const created = await s.call();
    assert.equal(await bob.client.quiet('offer'), true);
    assert.equal((await s.get(created.id)).state, 'queued');
    await h.call('PUT', `${s.base}/agents/${bob.id}/presence`, { token: bob.token, body: { status: 'available' } });
    const offer = await bob.client.next('offer');
    assert.equal(offer.interaction.id, created.id);
  });

  test('a rejected offer goes to someone else first, and back to the decliner only when nobody else can take it', async () => {
    const s = await setup();
    const ada = await s.agent('Ada');
    const bob = await s.agent('Bob');
    const created = await s.call();
    // Longest idle first: Ada became available before Bob.
    await ada.client.next('offer');
    assert.equal((await ada.client.request({ type: 'reject', interactionId: created.id })).ok, true);
    const toBob = await bob.client.next('offer');
    assert.equal(toBob.interaction.id, created.id);
    await bob.client.request({ type: 'reject', interactionId: created.id });
    const backToAda = await ada.client.next('offer');
    assert.equal(backToAda.interaction.id, created.id);
    const stored = await s.get(created.id);
    assert.deepEqual(stored.declinedBy, [ada.id, bob.id]);
    assert.equal(stored.enqueuedAt, created.enqueuedAt);
    assert.equal(stored.dueAt, created.dueAt);
  });

  test('an offer that expires goes to the next agent, and the silent agent becomes away (not_responding)', async () => {
    const s = await setup({ offerTimeoutSeconds: 20 });
    const ada = await s.agent('Ada');
    const bob = await s.agent('Bob');
    const created = await s.call();
    await ada.client.next('offer');
    await h.clock.advance(20_000);
    const expired = await ada.client.next('offer.expired');
    assert.equal(expired.interactionId, created.id);
    const presence = await ada.client.next('presence');
    assert.deepEqual([presence.presence.status, presence.presence.reason], ['away', 'not_responding']);
    assert.equal((await bob.client.next('offer')).interaction.id, created.id);
    const stored = await s.get(created.id);
    assert.ok(types(stored).includes('offer.expired'));
  });
});

describe('capacity, ordering and escalation', () => {
  test('capacity per channel: one call at a time; a call blocks chats; freed capacity takes the next call', async () => {
    const s = await setup({ wrapUpSeconds: 10 });
    const ada = await s.agent('Ada', { capacity: { voice: 1, messaging: 2 } });
    const first = await s.call();
    await ada.client.next('offer');
    const second = await s.call({ customer: '+15065550001' });
    const chat = await s.chatArrives();
    assert.equal(await ada.client.quiet('offer'), true);
    await ada.client.request({ type: 'accept', interactionId: first.id });
    assert.equal(await ada.client.quiet('offer'), true, 'a call in progress keeps other work away');
    const ended = await ada.client.request({ type: 'end', interactionId: first.id });
    assert.equal(ended.interaction.state, 'wrap_up');
    assert.equal(await ada.client.quiet('offer'), true, 'wrap-up still holds the capacity');
    await h.clock.advance(10_000);
    assert.equal((await s.get(first.id)).state, 'completed');
    // The older waiting call comes first; the chat waits behind it.
    const next = await ada.client.next('offer');
    assert.equal(next.interaction.id, second.id);
    assert.equal((await s.get(chat.id)).state, 'queued');
  });

  test('work drains in routing order: priority, then due date, then arrival', async () => {
    const s = await setup({ wrapUpSeconds: 0 });
    const ada = await s.agent('Ada', {}, 'offline');
    const low = await s.call({ customer: '+15065550010' });
    await h.clock.advance(1000);
    const urgent = await s.call({ customer: '+15065550011' });
    await h.call('PATCH', `${s.base}/interactions/${urgent.id}`, { body: { priority: 5 } });
    await h.clock.advance(1000);
    const later = await s.call({ customer: '+15065550012' });
    await ada.client.request({ type: 'presence', status: 'available' });
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const offer = await ada.client.next('offer');
      order.push(offer.interaction.id);
      await ada.client.request({ type: 'accept', interactionId: offer.interaction.id });
      await ada.client.request({ type: 'end', interactionId: offer.interaction.id });
    }
    assert.deepEqual(order, [urgent.id, low.id, later.id]);
  });

  test('escalation steps relax requirements as the work waits', async () => {
    const s = await setup({
      escalation: [
        { afterSeconds: 0, requirements: 'agent.attributes.skills.billing >= 4' },
        { afterSeconds: 60, requirements: null },
      ],
    });
    const junior = await s.agent('Junior', { attributes: { skills: { billing: 2 } } });
    const created = await s.call();
    assert.equal(await junior.client.quiet('offer'), true);
    await h.clock.advance(59_000);
    assert.equal(await junior.client.quiet('offer'), true);
    await h.clock.advance(1_000);
    const offer = await junior.client.next('offer');
    assert.equal(offer.interaction.id, created.id);
    assert.match((await s.get(created.id)).events.find((e: Json) => e.type === 'offer.created').data.reason, /escalation step 2/);
  });

  test('flow requirements over agent attributes are honoured', async () => {
    const s = await setup({}, { requirements: "has(agent.attributes.languages) && 'es' in agent.attributes.languages" });
    const english = await s.agent('English', { attributes: { languages: ['en'] } });
    const spanish = await s.agent('Spanish', { attributes: { languages: ['en', 'es'] } });
    const created = await s.call();
    assert.equal((await spanish.client.next('offer')).interaction.id, created.id);
    assert.equal(await english.client.quiet('offer'), true);
  });
});

describe('last-agent routing, transfers and abandon', () => {
  const lastAgent = {
    preferredAgent: { agent: "{{ interaction.attributes.?LastCalledAgent_EmployeeID.orValue('') }}", expiresAfterSeconds: 30 },
  };

  test('the last agent is preferred while busy, for 30 s; then anyone in the queue takes it', async () => {
    const s = await setup({}, lastAgent);
    const ada = await s.agent('Ada', { employeeId: 'E1' });
    const bob = await s.agent('Bob', { employeeId: 'E2' });
    const busy = await s.call({ customer: '+15065550020' });
    const toAda = await ada.client.next('offer');
    assert.equal(toAda.interaction.id, busy.id);
    await ada.client.request({ type: 'accept', interactionId: busy.id });
    const returning = await s.call({ attributes: { LastCalledAgent_EmployeeID: 'E1' } });
    assert.equal(await bob.client.quiet('offer'), true, 'Bob waits while Ada is preferred');
    await h.clock.advance(30_000);
    assert.equal((await bob.client.next('offer')).interaction.id, returning.id);
  });

  test('a preferred agent who is offline does not hold the work back', async () => {
    const s = await setup({}, lastAgent);
    await s.agent('Ada', { employeeId: 'E1' }, 'offline');
    const bob = await s.agent('Bob', { employeeId: 'E2' });
    const returning = await s.call({ attributes: { LastCalledAgent_EmployeeID: 'E1' } });
    assert.equal((await bob.client.next('offer')).interaction.id, returning.id);
  });

  test('transfer of a connected call to another queue recomputes its SLA; transfer to an agent offers it to them', async () => {
    const s = await setup();
    const billing = await make(h, `${s.base}/queues`, { name: 'Billing', slaMinutes: 60 });
    const ada = await s.agent('Ada');
    const bob = await s.agent('Bob', { queueIds: [billing.id] });
    const created = await s.call();
    await ada.client.next('offer');
    await ada.client.request({ type: 'accept', interactionId: created.id });
    await h.clock.advance(5 * 60_000);
    const toQueue = await h.call('POST', `${s.base}/interactions/${created.id}/transfers`, { body: { queueId: billing.id } });
    assert.equal(toQueue.status, 201);
    // Answered at 10:00, transferred at 10:05: the new queue's 60 min run from the transfer.
    assert.equal(toQueue.body.result.dueAt, '2026-03-02T11:05:00.000Z');
    assert.equal((await bob.client.next('offer')).interaction.id, toQueue.body.result.id);
    const old = await s.get(created.id);
    assert.equal(old.state, 'transferred');
    // Ada's capacity came back with the transfer: she takes a new call.
    const nextCall = await s.call({ customer: '+15065550030' });
    assert.equal((await ada.client.next('offer')).interaction.id, nextCall.id);
    // Bob rejects; the segment goes to Ada by a transfer to her.
    await bob.client.request({ type: 'reject', interactionId: toQueue.body.result.id });
    const toAgent = await h.call('POST', `${s.base}/interactions/${toQueue.body.result.id}/transfers`, {
      body: { agentId: 'ada@example.com', queueId: s.support.id },
    });
    assert.equal(toAgent.status, 201, JSON.stringify(toAgent.body));
    assert.equal(toAgent.body.result.routing.targetAgent.agent, ada.id);
  });

  test('requeue hands a connected call back to its place, to another agent first', async () => {
    const s = await setup();
    const ada = await s.agent('Ada');
    const created = await s.call();
    await ada.client.next('offer');
    await ada.client.request({ type: 'accept', interactionId: created.id });
    const bob = await s.agent('Bob');
    const requeued = await ada.client.request({ type: 'requeue', interactionId: created.id });
    assert.equal(requeued.ok, true);
    assert.equal((await bob.client.next('offer')).interaction.id, created.id);
    const stored = await s.get(created.id);
    assert.equal(stored.enqueuedAt, created.enqueuedAt);
    assert.deepEqual(stored.declinedBy, [ada.id]);
    assert.ok(types(stored).includes('interaction.requeued'));
    const notConnected = await h.call('POST', `${s.base}/interactions/${created.id}/requeue`, {});
    assert.equal(notConnected.status, 422);
  });

  test('abandon while offered rescinds the offer', async () => {
    const s = await setup();
    const ada = await s.agent('Ada');
    const created = await s.call();
    await ada.client.next('offer');
    const abandoned = await h.call('POST', `${s.base}/interactions/${created.id}/abandon`, {});
    assert.equal(abandoned.status, 200);
    assert.equal(abandoned.body.result.state, 'abandoned');
    const rescinded = await ada.client.next('offer.rescinded');
    assert.equal(rescinded.interactionId, created.id);
    const late = await ada.client.request({ type: 'accept', interactionId: created.id });
    assert.equal(late.errors[0].code, 'OFFER_NOT_OPEN');
    const twice = await h.call('POST', `${s.base}/interactions/${created.id}/abandon`, {});
    assert.equal(twice.status, 422);
  });
});

describe('agent credentials and REST actions', () => {
  test('agent tokens open the agent routes only, for their own agent', async () => {
    const s = await setup();
    const ada = await s.agent('Ada');
    const bob = await s.agent('Bob', {}, 'offline');
    assert.equal((await h.call('GET', `${s.base}/channels`, { token: ada.token })).status, 403);
    // Queues they may read (the agent desktop's transfer targets), not change.
    assert.equal((await h.call('GET', `${s.base}/queues`, { token: ada.token })).status, 200);
    assert.equal((await h.call('POST', `${s.base}/queues`, { token: ada.token, body: { name: 'Nope' } })).status, 403);
    const forBob = await h.call('PUT', `${s.base}/agents/${bob.id}/presence`, {
      token: ada.token,
      body: { status: 'available' },
    });
    assert.equal(forBob.status, 403);
    const otherTenant = await createTenant(h, { name: 'Other' });
    const elsewhere = await h.call('PUT', `${otherTenant.base}/agents/${ada.id}/presence`, {
      token: ada.token,
      body: { status: 'away' },
    });
    assert.equal(elsewhere.status, 404);
    // With an API key, REST actions name the agent.
    const created = await s.call();
    const offer: Message = await ada.client.next('offer');
    const noAgent = await h.call('POST', `${s.base}/interactions/${created.id}/accept`, { body: {} });
    assert.equal(noAgent.status, 400);
    const accepted = await h.call('POST', `${s.base}/interactions/${created.id}/accept`, {
      body: { agentId: offer.offer.agentId },
    });
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.result.state, 'connected');
    const hangUp = await h.call('POST', `${s.base}/interactions/${created.id}/end`, {});
    assert.equal(hangUp.status, 200, JSON.stringify(hangUp.body));
    assert.equal(hangUp.body.result.state, 'wrap_up');
    assert.equal(hangUp.body.result.events.find((e: Json) => e.type === 'interaction.ended').data.by, 'customer');
    const done = await h.call('POST', `${s.base}/interactions/${created.id}/complete`, { token: ada.token, body: {} });
    assert.equal(done.body.result.state, 'completed');
    const revoked = await h.call('GET', `${s.base}/agents/${ada.id}/tokens`);
    await h.call('DELETE', `${s.base}/agents/${ada.id}/tokens/${revoked.body.result[0].id}`);
    assert.equal(
      (await h.call('PUT', `${s.base}/agents/${ada.id}/presence`, { token: ada.token, body: { status: 'away' } })).status,
      401,
    );
  });

  test('malformed WebSocket messages get a protocol error, and the socket stays usable', async () => {
    const s = await setup();
    const ada = await s.agent('Ada');
    ada.client.send({ type: 'ping', requestId: 'p1' });
    assert.equal((await ada.client.next('pong')).requestId, 'p1');
    for (const bad of ['not json', { type: 'teleport' }, { type: 'accept' }, { type: 'presence', status: 'asleep' }]) {
      ada.client.send(bad);
      const error = await ada.client.next('error');
      assert.equal(error.errors[0].code, 'MALFORMED_MESSAGE');
    }
    const stillThere = await ada.client.request({ type: 'presence', status: 'away', reason: 'lunch' });
    assert.deepEqual([stillThere.presence.status, stillThere.presence.reason], ['away', 'lunch']);
  });
});
