import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';
import { eventually, type HttpReceiver, type Received, startHttpReceiver } from '../support/http-receiver.js';

// Events with a cursor, signed webhooks against a real receiver, and queue statistics.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

let h: Harness;
let url: string;
let receiver: HttpReceiver;
let failNext = 0;
const clients: AgentClient[] = [];

before(async () => {
  h = await startHarness();
  url = await h.listen();
  receiver = await startHttpReceiver((_request, response) => {
    if (failNext > 0) {
      failNext--;
      response.writeHead(503).end();
      return;
    }
    response.writeHead(204).end();
  });
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
  await receiver.close();
});

async function setup() {
  const t = await createTenant(h, { allowPrivateNetworkRequests: true });
  const { queue } = await routedVoiceQueue(h, t.base, { slaMinutes: 1, routing: { wrapUpSeconds: 0 } });
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, t.id, token);
  clients.push(client);
  await client.next('hello');
  const call = async (customer = '+15065550000') =>
    (await h.call('POST', `${t.base}/interactions`, { body: { channelType: 'voice', contactPoint: '+18005555565', customer } }))
      .body.result;
  return { ...t, queue, agent, client, call };
}

function verify(request: Received, secret: string): Json {
  const header = String(request.headers['switchboard-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  assert.ok(match, header);
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest('hex');
  assert.equal(match[2], expected, 'signature');
  // A request carries one or more events, in order; the delivery header names the first and the last.
  const { events } = JSON.parse(request.body) as { events: Json[] };
  assert.ok(events.length >= 1);
  const seqs = events.map((e) => e.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
  assert.equal(request.headers['switchboard-delivery'], `${events[0].tenantId}:${seqs[0]}-${seqs.at(-1)}`);
  for (const event of events) assert.equal(event.id, `${event.tenantId}:${event.seq}`);
  return events;
}

test('the event feed pages through every transition in order with a cursor', async () => {
  const s = await setup();
  await s.call();
  const first = await h.call('GET', `${s.base}/events?limit=3`);
  assert.equal(first.status, 200);
  assert.equal(first.body.result.length, 3);
  const rest = await h.call('GET', `${s.base}/events?after=${first.body.nextCursor}&limit=1000`);
  const all = [...first.body.result, ...rest.body.result];
  const seqs = all.map((e: Json) => e.seq);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
  assert.deepEqual(all.map((e: Json) => e.type).slice(0, 4), [
    'interaction.created',
    'interaction.dispatched',
    'flow.started',
    'interaction.in_flow',
  ]);
  const filtered = await h.call('GET', `${s.base}/events?type=interaction.queued`);
  assert.ok(filtered.body.result.every((e: Json) => e.type === 'interaction.queued'));
  const other = await createTenant(h, { name: 'Other' });
  assert.equal((await h.call('GET', `${other.base}/events`)).body.result.length, 0);
  assert.equal((await h.call('GET', `${s.base}/events?after=-1`)).status, 400);
});

test('webhooks deliver signed events at least once, in order, retrying with backoff', async () => {
  const s = await setup();
  const created = await h.call('POST', `${s.base}/webhooks`, {
    body: { url: `${receiver.url}/hooks`, eventTypes: ['interaction.queued', 'offer.created', 'offer.accepted'] },
  });
  assert.equal(created.status, 201);
  const secret: string = created.body.result.secret;
  assert.match(secret, /^whsec_/);
  assert.equal((await h.call('GET', `${s.base}/webhooks/${created.body.result.id}`)).body.result.secret, undefined);

  const before = receiver.received.length;
  failNext = 2;
  const interaction = await s.call();
  // Two failures: retried after 1 s, then 2 s, then delivered — the later events wait their turn.
  // The receiver counts an attempt before the dispatcher has read its answer and armed the retry: the
  // clock moves only once the failure is recorded, or the retry would be armed after the move.
  const failuresRecorded = (count: number) =>
    eventually(async () => {
      const webhook = await h.call('GET', `${s.base}/webhooks/${created.body.result.id}`);
      return webhook.body.result.failures === count ? webhook.body.result : null;
    });
  await eventually(async () => receiver.received.length >= before + 1);
  assert.match((await failuresRecorded(1)).lastError, /503/);
  await h.clock.advance(1000);
  await eventually(async () => receiver.received.length >= before + 2);
  await failuresRecorded(2);
  await h.clock.advance(2000);
  await eventually(async () => receiver.received.length >= before + 3);
  await s.client.request({ type: 'presence', status: 'available' });
  const offer = await s.client.next('offer');
  await s.client.request({ type: 'accept', interactionId: offer.interaction.id });
  const bodies = await eventually(async () => {
    const delivered = receiver.received.slice(before).flatMap((r) => verify(r, secret));
    return delivered.filter((b) => b.interactionId === interaction.id).length >= 5 ? delivered : null;
  });
  const types = bodies.map((b: Json) => b.type);
  // The first queued event three times (two failures), then the rest once each, in order.
  assert.deepEqual(types, ['interaction.queued', 'interaction.queued', 'interaction.queued', 'offer.created', 'offer.accepted']);
  const ids = bodies.map((b: Json) => b.id);
  assert.equal(ids[0], ids[2]);
  assert.ok(ids[2] < ids[3] || Number(ids[2].split(':')[1]) < Number(ids[3].split(':')[1]));
  const healthy = await h.call('GET', `${s.base}/webhooks/${created.body.result.id}`);
  assert.equal(healthy.body.result.failures, 0);

  const badUrl = await h.call('POST', `${s.base}/webhooks`, { body: { url: 'ftp://nope' } });
  assert.equal(badUrl.status, 400);
  assert.equal(badUrl.body.errors[0].code, 'INVALID_URL');
});

test('queue statistics over REST and pushed to subscribed WebSocket clients', async () => {
  const s = await setup();
  const supervisor = s.client;
  const subscribed = await supervisor.request({ type: 'subscribe', queueIds: [s.queue.id] });
  assert.equal(subscribed.ok, true);
  const initial = await supervisor.next('queue.stats');
  assert.equal(initial.stats.waiting, 0);

  const first = await s.call('+15065550001');
  await h.clock.advance(30_000);
  const second = await s.call('+15065550002');
  await h.clock.advance(1000);
  // One push per change, at most one a second: after the first call, then after the second.
  assert.equal((await supervisor.next('queue.stats')).stats.waiting, 1);
  assert.equal((await supervisor.next('queue.stats')).stats.waiting, 2);

  const stats = (await h.call('GET', `${s.base}/queues/${s.queue.id}/stats`)).body.result;
  assert.equal(stats.waiting, 2);
  assert.equal(stats.longestWaitSeconds, 31);
  assert.equal(stats.availableAgents, 0);
  assert.equal(stats.staffedAgents, 0);

  // Ada answers the first within its 1-minute SLA; the second waits past it and is abandoned.
  await supervisor.request({ type: 'presence', status: 'available' });
  const offer = await supervisor.next('offer');
  assert.equal(offer.interaction.id, first.id);
  await supervisor.request({ type: 'accept', interactionId: first.id });
  await h.clock.advance(60_000);
  await h.call('POST', `${s.base}/interactions/${second.id}/abandon`, {});
  const after = (await h.call('GET', `${s.base}/queues/${s.queue.id}/stats?windowMinutes=15`)).body.result;
  assert.equal(after.answered, 1);
  assert.equal(after.answeredWithinSla, 1);
  assert.equal(after.serviceLevel, 1);
  assert.equal(after.averageSpeedOfAnswerSeconds, 31);
  assert.equal(after.abandoned, 1);
  assert.equal(after.abandonRate, 0.5);
  assert.equal(after.connected, 1);
  assert.equal(after.waiting, 0);
  assert.equal((await h.call('GET', `${s.base}/queues/${s.queue.id}/stats?windowMinutes=0`)).status, 400);
});

test('events that wait for a receiver leave in batches of at most maxEventsPerRequest, in order, none missing', async () => {
  const s = await setup();
  const created = await h.call('POST', `${s.base}/webhooks`, {
    body: { url: `${receiver.url}/batched`, maxEventsPerRequest: 3 },
  });
  assert.equal(created.body.result.maxEventsPerRequest, 3);
  const secret: string = created.body.result.secret;
  const before = receiver.received.length;
  // The receiver is down while ten calls arrive: their events pile up behind the first failure.
  failNext = 1;
  for (let i = 0; i < 10; i++) await s.call(`+1506555${String(1000 + i)}`);
  await eventually(async () => {
    const webhook = await h.call('GET', `${s.base}/webhooks/${created.body.result.id}`);
    return webhook.body.result.failures === 1;
  });
  await h.clock.advance(1000);
  const all = (await h.call('GET', `${s.base}/events?limit=200`)).body.result as Json[];
  const ours = all.filter((e) => e.seq > created.body.result.lastDeliveredSeq);
  const requests = await eventually(async () => {
    const mine = receiver.received.slice(before).filter((r) => r.url === '/batched');
    const delivered = mine.slice(1).flatMap((r) => verify(r, secret));
    return delivered.length >= ours.length ? mine : null;
  });
  const batches = requests.slice(1).map((r) => verify(r, secret));
  assert.ok(batches.every((batch) => batch.length <= 3));
  assert.ok(
    batches.some((batch) => batch.length === 3),
    'events waited and left together',
  );
  assert.deepEqual(
    batches.flat().map((e: Json) => e.seq),
    ours.map((e) => e.seq),
  );
});
