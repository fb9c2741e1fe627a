import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';

// Callbacks as routable work (Amazon Connect's queued callbacks), through the HTTP API and the agents'
// WebSockets: a flow's callback step and an agent's request make callback work in a queue, at once or at a
// time in the tenant's time zone; the agent who accepts it places the call; an attempt nobody answers is
// retried after the interval until the attempts run out, each attempt recorded.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const caller = '+15065550000';
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
beforeEach(async () => {
  // A Monday in March: Paris is UTC+1.
  await h.clock.set('2026-03-02T10:00:00.000Z');
});

/** A tenant in Paris: queue Sales, a phone line whose flow offers a callback on 2, agent Ana on a WebSocket. */
async function setup(callbackStep: Json = {}) {
  const t = await createTenant(h, { timeZone: 'Europe/Paris' });
  const sales = await make(h, `${t.base}/queues`, { name: 'Sales', routing: { wrapUpSeconds: 0 } });
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: sales.id });
  await make(h, `${t.base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const steps = [
    {
      id: 'menu',
      type: 'collectInput',
      prompt: 'Press 1 to wait, 2 to be called back.',
      inputType: 'digits',
      maxDigits: 1,
      exits: { next: 'choice', timeout: 'wait', noMatch: 'wait' },
    },
    { id: 'choice', type: 'branch', cases: [{ when: "vars.menu == '2'", next: 'cb' }], exits: { else: 'wait' } },
    { id: 'wait', type: 'routeToQueue', queue: 'Sales' },
    { id: 'cb', type: 'callback', queue: 'Sales', ...callbackStep, exits: { error: 'wait' } },
  ];
  const flow = await make(h, `${t.base}/flows`, { name: 'Line', definition: { start: 'menu', steps } });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'in', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const ana = await make(h, `${t.base}/agents`, { name: 'Ana', email: 'ana@acme.com', queueIds: [sales.id] });
  const token = (await make(h, `${t.base}/agents/${ana.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, t.id, token);
  clients.push(client);
  await client.next('hello');
  await client.request({ type: 'presence', status: 'available' });

  const get = async (id: string) => (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
  /** A call that asks for a callback in the flow: the call, once the callback is made. */
  async function callAndPressTwo() {
    const created = await make(h, `${t.base}/interactions`, {
      channelType: 'voice',
      contactPoint: '+18005555565',
      customer: caller,
    });
    const pressed = await h.call('POST', `${t.base}/interactions/${created.id}/inputs`, { body: { value: '2' } });
    assert.equal(pressed.status, 200, JSON.stringify(pressed.body));
    // The callback is made by a timer due at once: this clock fires timers as it moves.
    await h.clock.advance(0);
    return eventually(async () => {
      const call = await get(created.id);
      return call.events.some((e: Json) => e.type === 'callback.created') ? call : null;
    });
  }
  const placeCall = (body: Json, agentToken: string | null = token) =>
    h.call('POST', `${t.base}/outbound-calls`, { body, ...(agentToken ? { token: agentToken } : {}) });
  const status = (id: string, value: string, agentToken?: string) =>
    h.call('POST', `${t.base}/interactions/${id}/call-status`, {
      body: { status: value },
      ...(agentToken ? { token: agentToken } : {}),
    });
  return { ...t, sales, ana, token, client, get, callAndPressTwo, placeCall, status };
}

const callbackIdOf = (call: Json) => call.events.find((e: Json) => e.type === 'callback.created').data.callbackId as string;

describe('callbacks as routable work', () => {
  test("a flow's callback step: queued at once, offered, the agent's call is answered and ends", async () => {
    const s = await setup();
    const call = await s.callAndPressTwo();
    assert.equal(call.state, 'callback_requested');
    assert.equal(call.requestedCallback, null);
    const callback = await s.get(callbackIdOf(call));
    assert.equal(callback.channelType, 'voice');
    assert.equal(callback.direction, 'outbound');
    assert.equal(callback.customer, caller);
    assert.equal(callback.parentInteractionId, call.id);
    assert.deepEqual(
      { ...callback.callback, attempts: callback.callback.attempts.length },
      { number: caller, requestedOn: call.id, requestedBy: 'flow', maxAttempts: 3, retryMinutes: 15, attempts: 0 },
    );

    const offer = await s.client.next('offer');
    assert.equal(offer.interaction.id, callback.id);
    assert.equal(offer.interaction.callback.number, caller, 'the desktop sees the number to call');
    assert.equal((await s.client.request({ type: 'accept', interactionId: callback.id })).ok, true);

    const placed = await s.placeCall({ callbackId: callback.id });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const outbound = placed.body.result;
    assert.deepEqual(
      [
        outbound.channelType,
        outbound.direction,
        outbound.customer,
        outbound.state,
        outbound.agentId,
        outbound.parentInteractionId,
      ],
      ['voice', 'agent-initiated', caller, 'connected', s.ana.id, callback.id],
    );
    assert.deepEqual(outbound.outboundCall, { status: 'dialing', callbackId: callback.id, attempt: 1 });
    const dialed = await s.get(callback.id);
    assert.equal(dialed.state, 'completed', 'the callback is done with once its call is placed');
    assert.deepEqual(
      dialed.callback.attempts.map((a: Json) => [a.attempt, a.callId, a.agentId, a.outcome]),
      [[1, outbound.id, s.ana.id, null]],
    );

    const answered = await s.status(outbound.id, 'in-progress', s.token);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.ok(answered.body.result.connectedAt);
    assert.equal((await s.get(callback.id)).callback.attempts[0].outcome, 'answered');
    const ended = await s.status(outbound.id, 'completed');
    assert.equal(ended.body.result.state, 'completed', 'no wrap-up in Sales: the call completes');
    assert.equal(ended.body.result.outboundCall.status, 'completed');
    // A repeated status changes nothing.
    const again = await s.status(outbound.id, 'completed');
    assert.equal(again.status, 200);
    assert.equal(again.body.result.revision, ended.body.result.revision);
    // No retry was made: the callback was answered.
    assert.ok(!(await s.get(callback.id)).events.some((e: Json) => e.type.startsWith('callback.retry')));
  });

  test('scheduled in the tenant time zone, retried after the interval, and given up after the last attempt', async () => {
    const s = await setup({ at: '2026-03-02T14:30', maxAttempts: 2, retryMinutes: 10 });
    const call = await s.callAndPressTwo();
    const first = await s.get(callbackIdOf(call));
    // 14:30 in Paris in March is 13:30 UTC.
    assert.equal(first.state, 'created');
    assert.deepEqual(first.scheduledCallback, { queueId: s.sales.id, at: '2026-03-02T13:30:00.000Z' });
    assert.ok(await s.client.quiet('offer'), 'not offered before its time');

    await h.clock.set('2026-03-02T13:30:00.000Z');
    const offer = await s.client.next('offer');
    assert.equal(offer.interaction.id, first.id);
    await s.client.request({ type: 'accept', interactionId: first.id });
    const one = (await s.placeCall({ callbackId: first.id })).body.result;
    const busy = await s.status(one.id, 'busy');
    assert.equal(busy.body.result.state, 'completed');
    assert.equal(busy.body.result.connectedAt, null, 'never answered');

    const afterFirst = await s.get(first.id);
    assert.deepEqual(
      afterFirst.callback.attempts.map((a: Json) => [a.attempt, a.outcome]),
      [[1, 'busy']],
    );
    const retryEvent = afterFirst.events.find((e: Json) => e.type === 'callback.retry_scheduled');
    assert.equal(retryEvent.data.at, '2026-03-02T13:40:00.000Z');
    const second = await s.get(retryEvent.data.callbackId);
    assert.equal(second.state, 'created');
    assert.equal(second.parentInteractionId, first.id);
    assert.deepEqual(
      second.callback.attempts.map((a: Json) => a.outcome),
      ['busy'],
      'the retry carries the attempts so far',
    );

    await h.clock.advance(9 * 60_000);
    assert.ok(await s.client.quiet('offer'), 'not before the interval');
    await h.clock.advance(60_000);
    assert.equal((await s.client.next('offer')).interaction.id, second.id);
    await s.client.request({ type: 'accept', interactionId: second.id });
    const two = (await s.placeCall({ callbackId: second.id })).body.result;
    assert.equal(two.outboundCall.attempt, 2);
    await s.status(two.id, 'no-answer');

    const last = await s.get(second.id);
    assert.deepEqual(
      last.callback.attempts.map((a: Json) => [a.attempt, a.callId, a.outcome]),
      [
        [1, one.id, 'busy'],
        [2, two.id, 'no-answer'],
      ],
    );
    const exhausted = last.events.find((e: Json) => e.type === 'callback.exhausted');
    assert.deepEqual(exhausted.data, { attempts: 2, reason: 'All 2 attempts were made.' });
    const open = (await h.call('GET', `${s.base}/interactions?state=created`)).body.result;
    assert.deepEqual(open, [], 'no third callback');
  });

  test('an agent asks for a callback of the call they hold; the request is checked and can be retried', async () => {
    const s = await setup();
    const created = await make(h, `${s.base}/interactions`, {
      channelType: 'voice',
      contactPoint: '+18005555565',
      customer: caller,
    });
    await h.call('POST', `${s.base}/interactions/${created.id}/inputs`, { body: { value: '1' } });
    const offer = await s.client.next('offer');
    await s.client.request({ type: 'accept', interactionId: offer.interaction.id });

    const ask = (body: Json, headers: Record<string, string> = {}, token: string = s.token) =>
      h.call('POST', `${s.base}/interactions/${created.id}/callbacks`, { body, token, headers });
    const bad = await ask({ number: 'not a number', at: 'tomorrow at nine' });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.errors.map((e: Json) => [e.code, e.field]),
      [
        ['INVALID_VALUE', 'number'],
        ['INVALID_VALUE', 'at'],
      ],
    );
    assert.equal((await ask({ maxAttempts: 0 })).status, 400);
    assert.equal((await ask({ at: '2026-02-30T09:00' })).body.errors[0].field, 'at', 'no such day');
    assert.equal((await ask({ queue: 'Nowhere' })).body.errors[0].code, 'QUEUE_NOT_FOUND');

    const body = { number: '(506) 555-0199', at: '2026-03-03T09:00:00+01:00' };
    const made = await ask(body, { 'idempotency-key': 'cb-1' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const callback = made.body.result;
    assert.equal(callback.customer, '+15065550199');
    assert.equal(callback.callback.requestedBy, 'agent');
    assert.deepEqual(callback.scheduledCallback, { queueId: s.sales.id, at: '2026-03-03T08:00:00.000Z' });
    const replay = await ask(body, { 'idempotency-key': 'cb-1' });
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.body.result.id, callback.id);
    const reused = await ask({ ...body, maxAttempts: 5 }, { 'idempotency-key': 'cb-1' });
    assert.equal(reused.body.errors[0].code, 'IDEMPOTENCY_KEY_REUSED');
    // The call itself is still the agent's.
    assert.equal((await s.get(created.id)).state, 'connected');

    // Another agent cannot ask on Ana's call, nor dial Ana's callback.
    const bo = await make(h, `${s.base}/agents`, { name: 'Bo', email: 'bo@acme.com' });
    const boToken = (await make(h, `${s.base}/agents/${bo.id}/tokens`, {})).token as string;
    assert.equal((await ask({}, {}, boToken)).status, 403);
    assert.equal((await s.placeCall({ callbackId: callback.id }, boToken)).body.errors[0].code, 'CALLBACK_NOT_HELD');
    assert.equal((await s.placeCall({ callbackId: created.id })).body.errors[0].code, 'NOT_A_CALLBACK');
    assert.equal((await s.placeCall({ callbackId: callback.id })).body.errors[0].code, 'CALLBACK_NOT_HELD', 'not accepted yet');
    assert.equal((await s.placeCall({ agentId: bo.id, to: caller })).status, 403, 'an agent token calls for itself');
    assert.equal((await s.status(created.id, 'busy')).body.errors[0].code, 'NOT_AN_OUTBOUND_CALL');

    // Another tenant sees none of it.
    const other = await createTenant(h);
    const key = (await make(h, `${other.base}/api-keys`, { name: 'k' })).key as string;
    const foreign = await h.call('POST', `${s.base}/interactions/${created.id}/callbacks`, { body: {}, token: key });
    assert.equal(foreign.status, 404, "another tenant's key sees no such tenant");
    const elsewhere = await h.call('POST', `${other.base}/interactions/${created.id}/callbacks`, { body: {} });
    assert.equal(elsewhere.status, 404);
  });

  test('a plain outbound call: answered then ended by the agent; statuses out of order are refused', async () => {
    const s = await setup();
    const missing = await s.placeCall({});
    assert.deepEqual([missing.status, missing.body.errors[0].code], [400, 'REQUIRED']);
    const placed = await s.placeCall({ to: '(506) 555-0123' });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const id = placed.body.result.id;
    assert.equal(placed.body.result.customer, '+15065550123');
    assert.equal((await s.status(id, 'in-progress')).status, 200);
    const late = await s.status(id, 'busy');
    assert.deepEqual([late.status, late.body.errors[0].code], [409, 'CALL_STATUS_CONFLICT']);
    const bad = await s.status(id, 'ringing');
    assert.equal(bad.status, 400);
    assert.equal((await s.client.request({ type: 'end', interactionId: id })).ok, true);
    const done = await s.status(id, 'completed');
    assert.equal(done.body.result.outboundCall.status, 'completed');
    assert.equal(done.body.result.state, 'completed');
  });

  test('a callback step whose time is not a time is refused at upload', async () => {
    const t = await createTenant(h);
    await make(h, `${t.base}/queues`, { name: 'Sales' });
    const response = await h.call('POST', `${t.base}/flows`, {
      body: { name: 'Bad', definition: { start: 'cb', steps: [{ id: 'cb', type: 'callback', queue: 'Sales', at: 'soon' }] } },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.errors[0].code, 'FLOW_INVALID_TIME');
  });
});
