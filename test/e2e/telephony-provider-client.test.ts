import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually, sendJson, startHttpReceiver } from '../support/http-receiver.js';
import { makeCallCenter, mintToken, rsaKeyPair } from '../support/scv.js';

// The rest of the telephony API a provider's existing client calls (issue: transcripts, reroute,
// callbacks, route, conversation events, voicemail packaging, records of unseen calls), played over
// real HTTP the way that client sends it: JSON bodies (the literal `null` where it has nothing to say),
// its Telephony-Provider-Name header, and a token minted per request as it mints them (RS256, iat,
// exp = iat + 300, iss = org id, sub = call center, a fresh jti, no aud).

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

let h: Harness;
let url: string;
const clients: AgentClient[] = [];
const keys = rsaKeyPair();
let sequence = 0;

before(async () => {
  h = await startHarness();
  url = await h.listen();
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
});

const now = () => Math.floor(Date.parse(h.clock.now()) / 1000);

/** A tenant as a contact center sets it up: a call center, queue Q1 and Q2 mapped, a phone number, two agents online. */
async function setup() {
  const n = ++sequence;
  const t = await createTenant(h, { timeZone: 'UTC' });
  const orgId = `00DPC${n}`;
  const apiName = `connect${n}`;
  const callCenter = await makeCallCenter(h, t, { orgId, apiName, keys });
  const q1 = await make(h, `${t.base}/queues`, { name: 'Q1', devName: 'Q1' });
  const q2 = await make(h, `${t.base}/queues`, { name: 'Q2', devName: 'Q2' });
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: q1.id });
  const flow = (devName: string, queue: string) =>
    make(h, `${t.base}/flows`, {
      name: devName,
      devName,
      definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue', queue }] },
    });
  const toQ1 = await flow('To_Q1', 'Q1');
  await flow('To_Q2', 'Q2');
  await make(h, `${t.base}/entry-points`, {
    channelId: phones.id,
    address: '+18005550000',
    flowId: toQ1.id,
    fallbackQueueId: q1.id,
  });
  const maps = `${t.base}/call-centers/${callCenter.id}/routing-maps`;
  await make(h, maps, { referenceType: 'queue', referenceId: q1.id, externalId: 'arn:queue/q1' });
  await make(h, maps, { referenceType: 'queue', referenceId: q2.id, externalId: 'arn:queue/q2' });
  const agent = async (name: string, externalId: string) => {
    const created = await make(h, `${t.base}/agents`, { name, email: `${name}@example.com`, queueIds: [q1.id, q2.id] });
    await make(h, maps, { referenceType: 'user', referenceId: created.id, externalId });
    const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    await client.next('hello');
    assert.equal((await client.request({ type: 'presence', status: 'available' })).ok, true);
    return { ...created, token, client };
  };
  const ada = await agent('ada', 'arn:agent/ada');
  const grace = await agent('grace', 'arn:agent/grace');

  /** One request as the provider's client sends it, with a token minted for it. */
  async function provider(method: 'POST' | 'PATCH', path: string, body?: unknown) {
    const token = mintToken(keys.privateKey, { orgId, apiName, now: now() });
    const response = await fetch(`${url}/telephony/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'telephony-provider-name': 'amazon-connect',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: text ? (JSON.parse(text) as Json) : null };
  }
  /** A call arriving: createVoiceCall, then executeOmniFlow as the contact flow does. */
  async function arrive(contactId: string, route = true) {
    const created = await provider('POST', '/voiceCalls', {
      callCenterApiName: apiName,
      vendorCallKey: contactId,
      to: '+18005550000',
      from: '+15065550100',
      initiationMethod: 'Inbound',
      startTime: h.clock.now(),
      callSubtype: 'PSTN',
      callAttributes: '{}',
      participants: [{ participantKey: '+15065550100', type: 'END_USER' }],
    });
    assert.equal(created.status, 200, created.text);
    if (route) {
      const routed = await provider('PATCH', `/voiceCalls/${contactId}/omniFlow`, { dialedNumber: '+18005550000' });
      assert.equal(routed.status, 200, routed.text);
    }
    return created.json.voiceCallId as string;
  }
  const interaction = async (id: string) => (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
  const conversation = async (id: string, token?: string) => h.call('GET', `${t.base}/interactions/${id}/messages`, { token });
  return { t, q1, q2, ada, grace, provider, arrive, interaction, conversation };
}

/** Which of the two agents was offered the call; takes that offer message. */
async function offeredTo(s: Awaited<ReturnType<typeof setup>>, callId: string) {
  for (let i = 0; i < 200; i++) {
    for (const agent of [s.ada, s.grace]) {
      const offer = agent.client.received.find((m: Json) => m.type === 'offer' && m.interaction.id === callId && !m.seen);
      if (offer) {
        offer.seen = true;
        return agent;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`call ${callId} was offered to nobody`);
}

const utterance = (messageId: string, senderType: string, content: string, startMs: number) => ({
  messageId,
  participantId: senderType === 'END_USER' ? 'END_USER' : 'agent-user',
  senderType,
  content,
  startTime: startMs,
  endTime: startMs + 1500,
});

describe('the provider client against Switchboard', () => {
  test('a call with its transcript streamed to the agent, one message at a time and in bulk', async () => {
    const s = await setup();
    const id = await s.arrive('contact-transcript');
    const agent = await offeredTo(s, id);
    assert.equal((await agent.client.request({ type: 'accept', interactionId: id })).ok, true);
    const t0 = Date.parse(h.clock.now());
    const first = await s.provider(
      'POST',
      '/voiceCalls/contact-transcript/messages',
      utterance('m1', 'END_USER', 'Hi, my order is late.', t0),
    );
    assert.equal(first.status, 202, first.text);
    const pushed = await agent.client.next('message');
    assert.equal(pushed.interactionId, id);
    assert.deepEqual(
      [pushed.message.author, pushed.message.direction, pushed.message.text, pushed.message.externalId],
      ['customer', 'inbound', 'Hi, my order is late.', 'm1'],
    );
    // The client retries a message it is unsure about: it is kept once.
    assert.equal(
      (
        await s.provider(
          'POST',
          '/voiceCalls/contact-transcript/messages',
          utterance('m1', 'END_USER', 'Hi, my order is late.', t0),
        )
      ).status,
      202,
    );
    const reply = utterance('m2', 'HUMAN_AGENT', 'Let me check that for you.', t0 + 2000);
    assert.equal((await s.provider('POST', '/voiceCalls/contact-transcript/messages', reply)).status, 202);
    assert.equal((await agent.client.next('message')).message.author, 'agent');
    // Bulk (Contact Lens): several calls in one request; an entry for an unknown call fails alone.
    const bulk = await s.provider('POST', '/voiceCalls/messages', {
      entries: [
        { vendorCallKey: 'contact-transcript', messages: [utterance('m3', 'END_USER', 'Thanks!', t0 + 4000)] },
        { vendorCallKey: 'no-such-contact', messages: [utterance('x1', 'END_USER', 'Hello?', t0)] },
      ],
    });
    assert.equal(bulk.status, 207, bulk.text);
    assert.deepEqual(
      bulk.json.errorResponse.errorResponseEntries.map((e: Json) => [e.vendorCallKey, e.status]),
      [['no-such-contact', 404]],
    );
    assert.equal((await agent.client.next('message')).message.text, 'Thanks!');
    const allAccepted = await s.provider('POST', '/voiceCalls/messages', {
      entries: [
        { vendorCallKey: 'contact-transcript', messages: [utterance('m4', 'VIRTUAL_AGENT', 'Anything else?', t0 + 5000)] },
      ],
    });
    assert.deepEqual([allAccepted.status, allAccepted.json], [202, { result: 'Accepted' }]);
    // The conversation, in order, for the API and for the agent who holds the call (not for another).
    const stored = await s.conversation(id);
    assert.equal(stored.status, 200);
    assert.deepEqual(
      stored.body.result.map((m: Json) => m.externalId),
      ['m1', 'm2', 'm3', 'm4'],
    );
    assert.equal((await s.conversation(id, agent.token)).status, 200);
    const other = agent === s.ada ? s.grace : s.ada;
    assert.equal((await s.conversation(id, other.token)).status, 404);
    // Bad messages are refused with the field at fault; nothing of them is stored.
    const noSender = await s.provider('POST', `/voiceCalls/${id}/messages`, { ...utterance('m9', 'ROBOT', 'x', t0) });
    assert.equal(noSender.status, 400);
    assert.match(noSender.json.errors[0], /senderType/);
    // After the hang-up, a message said later is refused; one said before it still comes in.
    const end = h.clock.now();
    assert.equal((await s.provider('PATCH', '/voiceCalls/contact-transcript', { endTime: end })).status, 200);
    const late = await s.provider(
      'POST',
      '/voiceCalls/contact-transcript/messages',
      utterance('m5', 'END_USER', 'Bye', Date.parse(end) + 60_000),
    );
    assert.equal(late.status, 409, late.text);
    const delayed = await s.provider(
      'POST',
      '/voiceCalls/contact-transcript/messages',
      utterance('m6', 'END_USER', 'Bye', Date.parse(end) - 1000),
    );
    assert.equal(delayed.status, 202, delayed.text);
    assert.equal((await s.conversation(id)).body.result.length, 5);
  });

  test('reroute after the agent declines, and after a connected agent cannot take the call (body null)', async () => {
    const s = await setup();
    const id = await s.arrive('contact-reroute');
    const first = await offeredTo(s, id);
    assert.equal((await first.client.request({ type: 'reject', interactionId: id })).ok, true);
    const rerouted = await s.provider('PATCH', '/voiceCalls/contact-reroute/reroute', null);
    assert.deepEqual([rerouted.status, rerouted.json], [200, { status: 'Success' }]);
    const second = await offeredTo(s, id);
    assert.notEqual(second, first);
    assert.equal((await second.client.request({ type: 'accept', interactionId: id })).ok, true);
    // The provider could not connect the agent (WebRTC): the call goes back, to the other agent first.
    assert.equal((await s.provider('PATCH', `/voiceCalls/${id}/reroute`, null)).status, 200);
    assert.equal((await s.interaction(id)).agentId === second.id, false);
    assert.equal(await offeredTo(s, id), first);
    // An ended call cannot be rerouted.
    assert.equal((await s.provider('PATCH', `/voiceCalls/${id}`, { endTime: h.clock.now() })).status, 200);
    assert.equal((await s.provider('PATCH', `/voiceCalls/${id}/reroute`, null)).status, 409);
  });

  test('a callback request becomes queued callback work; the call is not counted as abandoned', async () => {
    const s = await setup();
    // Nobody may take calls, so the call waits in Q1.
    for (const agent of [s.ada, s.grace]) await agent.client.request({ type: 'presence', status: 'away', reason: 'break' });
    const id = await s.arrive('contact-callback');
    const requested = await s.provider('POST', '/voiceCalls/contact-callback/requestCallback', {
      callbackNumber: '(506) 555-0199',
    });
    assert.equal(requested.status, 200, requested.text);
    const callback = await s.interaction(requested.json.recordId);
    assert.deepEqual(
      [
        callback.state,
        callback.channelType,
        callback.direction,
        callback.customer,
        callback.queueId,
        callback.parentInteractionId,
      ],
      ['queued', 'voice', 'outbound', '+15065550199', s.q1.id, id],
    );
    const call = await s.interaction(id);
    assert.equal(call.state, 'callback_requested');
    assert.equal(call.dueAt === null || callback.dueAt === call.dueAt, true);
    // The caller hangs up after accepting the offer: not a missed call.
    assert.equal(
      (
        await s.provider('PATCH', `/voiceCalls/${id}`, {
          endTime: h.clock.now(),
          disconnectReason: { value: 'CALLBACK', isError: false },
        })
      ).status,
      200,
    );
    assert.equal((await s.interaction(id)).voiceCall.missed, false);
    // An agent coming back is offered the callback.
    await s.grace.client.request({ type: 'presence', status: 'available' });
    const offer = await s.grace.client.next('offer');
    assert.equal(offer.interaction.id, callback.id);
    assert.equal((await s.provider('POST', `/voiceCalls/${id}/requestCallback`, { callbackNumber: 'not a number' })).status, 400);
  });

  test('a callback for later waits until its time, then queues once (a stored timer)', async () => {
    const s = await setup();
    for (const agent of [s.ada, s.grace]) await agent.client.request({ type: 'presence', status: 'away', reason: 'break' });
    const id = await s.arrive('contact-callback-later');
    const at = new Date(Date.parse(h.clock.now()) + 3_600_000).toISOString();
    const requested = await s.provider('POST', `/voiceCalls/${id}/requestCallback`, {
      callbackNumber: '+15065550100',
      scheduledRoutingDateTime: at,
    });
    assert.equal(requested.status, 200, requested.text);
    const callbackId = requested.json.recordId;
    const waiting = await s.interaction(callbackId);
    assert.deepEqual([waiting.state, waiting.scheduledCallback], ['created', { queueId: s.q1.id, at }]);
    const timersOf = async () =>
      (await h.store.listTimers()).filter((t) => t.interactionId === callbackId && t.kind === 'callback');
    // The timer is stored with the callback: a restart re-arms it.
    assert.deepEqual(
      (await timersOf()).map((t) => [t.kind, t.dueAt]),
      [['callback', at]],
    );
    await s.ada.client.request({ type: 'presence', status: 'available' });
    assert.equal(await s.ada.client.quiet('offer'), true);
    await h.clock.advance(3_600_000);
    const offer = await s.ada.client.next('offer');
    assert.equal(offer.interaction.id, callbackId);
    const due = await s.interaction(callbackId);
    assert.equal(due.state, 'offered');
    assert.equal(due.scheduledCallback, null);
    // Its SLA runs from the time the caller chose.
    assert.equal(due.placement.queueSource, 'callback');
    assert.equal(due.events.filter((e: Json) => e.type === 'interaction.queued').length, 1);
    // Gone with the change that queued it: it cannot fire again, after a restart either.
    assert.deepEqual(await timersOf(), []);
  });

  test('route to an agent, a queue and a flow by the provider ids; an unknown target is refused', async () => {
    const s = await setup();
    await s.grace.client.request({ type: 'presence', status: 'away', reason: 'break' });
    await s.ada.client.request({ type: 'presence', status: 'away', reason: 'break' });
    const id = await s.arrive('contact-route');
    // To Grace (her routing map): when both come back, Ada first, Grace is the one offered it.
    const toGrace = await s.provider('PATCH', '/voiceCalls/route/contact-route', {
      routingTarget: 'arn:agent/grace',
      fallbackQueue: 'arn:queue/q2',
    });
    assert.deepEqual([toGrace.status, toGrace.json], [200, { status: 'Success' }]);
    assert.equal((await s.interaction(id)).queueId, s.q2.id);
    await s.ada.client.request({ type: 'presence', status: 'available' });
    assert.equal(await s.ada.client.quiet('offer'), true);
    await s.grace.client.request({ type: 'presence', status: 'available' });
    assert.equal(await offeredTo(s, id), s.grace);
    assert.equal((await s.grace.client.request({ type: 'accept', interactionId: id })).ok, true);
    // Connected, the call is transferred: to queue Q1 by its provider id (a new segment of the call).
    const toQueue = await s.provider('PATCH', `/voiceCalls/route/${id}`, { routingTarget: 'arn:queue/q1' });
    assert.equal(toQueue.status, 200, toQueue.text);
    assert.equal((await s.interaction(id)).state, 'transferred');
    // A second call goes to a flow by devName, with inputs.
    await s.ada.client.request({ type: 'presence', status: 'away', reason: 'break' });
    const second = await s.arrive('contact-route-2', false);
    const toFlow = await s.provider('PATCH', '/voiceCalls/route/contact-route-2', {
      routingTarget: 'Flow.To_Q2',
      flowInputParameters: { customerSegment: 'VIP' },
    });
    assert.equal(toFlow.status, 200, toFlow.text);
    assert.equal((await s.interaction(second)).queueId, s.q2.id);
    const unknown = await s.provider('PATCH', '/voiceCalls/route/contact-route-2', { routingTarget: 'arn:agent/nobody' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.errors[0], /arn:agent\/nobody/);
    assert.equal((await s.provider('PATCH', '/voiceCalls/route/contact-route-2', {})).status, 400);
  });

  test('real-time and post-call conversation events are stored on the call and reach its agent', async () => {
    const s = await setup();
    const id = await s.arrive('contact-signals');
    const agent = await offeredTo(s, id);
    await agent.client.request({ type: 'accept', interactionId: id });
    const t0 = Date.parse(h.clock.now());
    const realtime = await s.provider('POST', '/voiceCalls/contact-signals/realtimeConversationEvents', {
      service: 'AmazonConnectContactLens',
      events: [
        { type: 'IntelligenceSignal__Category', value: 'OrderStatusCheckingHelp', startTime: t0 },
        { type: 'IntelligenceSignal__Sentiment', value: '-400.5', startTime: t0 + 10, score: 900, participant: 'CUSTOMER' },
      ],
    });
    assert.deepEqual([realtime.status, realtime.json], [202, { status: '202 Accepted' }]);
    const pushed = await agent.client.next('signals');
    assert.deepEqual([pushed.phase, pushed.service, pushed.signals.length], ['realtime', 'AmazonConnectContactLens', 2]);
    const unsorted = await s.provider('POST', '/voiceCalls/contact-signals/realtimeConversationEvents', {
      service: 'AmazonConnectContactLens',
      events: [
        { type: 'IntelligenceSignal__Category', value: 'B', startTime: t0 + 10 },
        { type: 'IntelligenceSignal__Category', value: 'A', startTime: t0 },
      ],
    });
    assert.equal(unsorted.status, 400);
    const noParticipant = await s.provider('POST', '/voiceCalls/contact-signals/realtimeConversationEvents', {
      service: 'X',
      events: [{ type: 'IntelligenceSignal__Sentiment', value: '10', startTime: t0 }],
    });
    assert.equal(noParticipant.status, 400);
    assert.equal((await s.provider('PATCH', `/voiceCalls/${id}`, { endTime: h.clock.now() })).status, 200);
    const post = await s.provider('POST', '/voiceCalls/contact-signals/postConversationEvents', {
      service: 'AmazonConnectContactLens',
      events: [{ type: 'IntelligenceSignal__Sentiment', value: '1000', startTime: t0, endTime: t0 + 9000, participant: 'AGENT' }],
    });
    assert.equal(post.status, 202, post.text);
    const events = (await s.interaction(id)).events.filter((e: Json) => e.type === 'voice_call.signals');
    assert.deepEqual(
      events.map((e: Json) => e.data.phase),
      ['realtime', 'post_call'],
    );
    assert.equal(events[0].data.signals[1].participant, 'CUSTOMER');
  });

  test('voicemail packaging: update → transcript → omniFlow → update routes the voicemail to an agent', async () => {
    const s = await setup();
    for (const agent of [s.ada, s.grace]) await agent.client.request({ type: 'presence', status: 'away', reason: 'break' });
    const id = await s.arrive('contact-vm');
    // The caller chose voicemail and hung up: the provider reports the end (a missed call).
    assert.equal((await s.provider('PATCH', '/voiceCalls/contact-vm', { endTime: h.clock.now() })).status, 200);
    assert.equal((await s.interaction(id)).state, 'abandoned');
    // Minutes later its packaging Lambda: recording times as epoch-millisecond strings.
    const init = Date.parse(h.clock.now()) - 30_000;
    const made = await s.provider('PATCH', '/voiceCalls/contact-vm', {
      recordingLocation: 's3://voicemail/contact-vm.wav',
      totalRecordingDuration: 25,
      startTime: String(init),
      endTime: String(init + 25_000),
      callOrigin: 'Voicemail',
      isActiveCall: true,
    });
    assert.equal(made.status, 200, made.text);
    const transcript = await s.provider('POST', '/voiceCalls/contact-vm/messages', {
      messageId: 'contact-vm',
      startTime: init,
      endTime: init + 25_000,
      content: 'Please call me back about invoice 42.',
      participantId: 'END_USER',
      senderType: 'END_USER',
    });
    assert.equal(transcript.status, 202, transcript.text);
    const routed = await s.provider('PATCH', '/voiceCalls/contact-vm/omniFlow', { dialedNumber: '+18005550000' });
    assert.deepEqual([routed.status, routed.json], [200, { queue: 'arn:queue/q1' }]);
    const closed = await s.provider('PATCH', '/voiceCalls/contact-vm', {});
    assert.equal(closed.status, 200, closed.text);
    const waiting = await s.interaction(id);
    assert.equal(waiting.state, 'queued');
    assert.deepEqual(waiting.voiceCall.voicemail.recordingLocation, 's3://voicemail/contact-vm.wav');
    assert.equal(waiting.voiceCall.voicemail.durationSeconds, 25);
    // An agent back from the break gets the voicemail, with its transcript to read.
    await s.ada.client.request({ type: 'presence', status: 'available' });
    const offer = await s.ada.client.next('offer');
    assert.equal(offer.interaction.id, id);
    assert.equal((await s.ada.client.request({ type: 'accept', interactionId: id })).ok, true);
    const read = await s.conversation(id, s.ada.token);
    assert.deepEqual(
      read.body.result.map((m: Json) => m.text),
      ['Please call me back about invoice 42.'],
    );
    assert.equal((await s.ada.client.request({ type: 'end', interactionId: id })).ok, true);
  });

  test('an answered call is not made a voicemail: its hang-up still ends it', async () => {
    const s = await setup();
    const id = await s.arrive('contact-answered');
    const agent = await offeredTo(s, id);
    await agent.client.request({ type: 'accept', interactionId: id });
    const update = await s.provider('PATCH', `/voiceCalls/${id}`, { callOrigin: 'Voicemail', isActiveCall: true });
    assert.equal(update.status, 200, update.text);
    assert.equal((await s.interaction(id)).voiceCall.voicemail, null);
    assert.equal((await s.provider('PATCH', `/voiceCalls/${id}`, { endTime: h.clock.now() })).status, 200);
    assert.ok(['wrap_up', 'completed'].includes((await s.interaction(id)).state));
    const bad = await s.provider('PATCH', `/voiceCalls/${id}`, { isActiveCall: 'maybe' });
    assert.equal(bad.status, 400);
  });

  test('an update of a call Switchboard never saw creates its record (a missed call logged afterwards)', async () => {
    const s = await setup();
    const start = new Date(Date.parse(h.clock.now()) - 60_000).toISOString();
    const logged = await s.provider('PATCH', '/voiceCalls/contact-never-created', {
      fromNumber: '+15065550123',
      startTime: start,
      endTime: h.clock.now(),
      callAttributes: '{"reason__c": "abandoned in IVR"}',
    });
    assert.equal(logged.status, 200, logged.text);
    const record = await s.interaction(logged.json.voiceCallId);
    assert.deepEqual(
      [record.state, record.customer, record.voiceCall.vendorCallKey, record.voiceCall.missed, record.attributes.reason__c],
      ['abandoned', '+15065550123', 'contact-never-created', true, 'abandoned in IVR'],
    );
    // The same key is that record from now on.
    const again = await s.provider('PATCH', '/voiceCalls/contact-never-created', { callDisposition: 'logged' });
    assert.equal(again.json.voiceCallId, record.id);
  });
});

describe('seed 004 over the telephony API: missed calls and voicemails exported', () => {
  test('a missed call is exported after the voicemail hold; a voicemail made of one is held, then exported when handled', async () => {
    const receiver = await startHttpReceiver((_request, response) => sendJson(response, 200, {}));
    try {
      const s = await setup();
      await h.call('PUT', s.t.base, { body: { allowPrivateNetworkRequests: true } });
      await make(h, `${s.t.base}/integrations`, {
        name: 'CRM',
        type: 'crm',
        users: [{ id: 'u-ada', email: 'ada@example.com' }],
        callExport: { format: 'signed-http', url: receiver.url, secret: 'a-secret-of-16-chars-or-more' },
      });
      for (const agent of [s.ada, s.grace]) await agent.client.request({ type: 'presence', status: 'away', reason: 'break' });
      const exportOf = async (id: string) =>
        (await h.call('GET', `${s.t.base}/exports?interactionId=${id}`)).body.result[0] as Json;

      // Missed: the provider reports the end; the export waits out the hold, then goes.
      const missed = await s.arrive('contact-missed-export');
      await s.provider('PATCH', '/voiceCalls/contact-missed-export', { endTime: h.clock.now() });
      assert.equal((await exportOf(missed)).status, 'pending');
      assert.equal(receiver.received.length, 0);

      // A voicemail: ended unanswered, then made a voicemail by the packaging Lambda within the hold.
      const vm = await s.arrive('contact-vm-export');
      await s.provider('PATCH', '/voiceCalls/contact-vm-export', { endTime: h.clock.now() });
      await h.clock.advance(5 * 60_000);
      const init = Date.parse(h.clock.now()) - 30_000;
      await s.provider('PATCH', '/voiceCalls/contact-vm-export', {
        recordingLocation: 's3://voicemail/contact-vm-export.wav',
        totalRecordingDuration: 25,
        startTime: String(init),
        endTime: String(init + 25_000),
        callOrigin: 'Voicemail',
        isActiveCall: true,
      });
      await s.provider('PATCH', '/voiceCalls/contact-vm-export/omniFlow', { dialedNumber: '+18005550000' });
      await s.provider('PATCH', '/voiceCalls/contact-vm-export', {});
      await h.clock.advance(15 * 60_000);

      const sentMissed = await eventually(async () =>
        (await exportOf(missed)).status === 'delivered' ? exportOf(missed) : null,
      );
      assert.equal(sentMissed.call.outcome, 'missed');
      assert.equal(sentMissed.call.customer, '+15065550100');
      assert.equal(sentMissed.assignment.method, 'integration_fallback');
      const held = await eventually(async () => ((await exportOf(vm)).status === 'held' ? exportOf(vm) : null));
      assert.equal(held.attempts, 0);

      // Ada takes the voicemail: when she completes it, the held export goes, as a voicemail, hers.
      await s.ada.client.request({ type: 'presence', status: 'available' });
      await s.ada.client.next('offer');
      assert.equal((await s.ada.client.request({ type: 'accept', interactionId: vm })).ok, true);
      await s.ada.client.request({ type: 'end', interactionId: vm });
      await s.ada.client.request({ type: 'complete', interactionId: vm });
      const sentVm = await eventually(async () => ((await exportOf(vm)).status === 'delivered' ? exportOf(vm) : null));
      assert.equal(sentVm.id, held.id);
      assert.equal(sentVm.call.outcome, 'voicemail');
      assert.equal(sentVm.call.voicemailUrl, 's3://voicemail/contact-vm-export.wav');
      assert.deepEqual([sentVm.assignment.assigneeIntegrationUserId, sentVm.assignment.method], ['u-ada', 'direct']);
      const bodies = receiver.received.map((r) => JSON.parse(r.body));
      assert.deepEqual(
        bodies.map((b) => [b.interactionId, b.call.outcome]),
        [
          [missed, 'missed'],
          [vm, 'voicemail'],
        ],
      );
    } finally {
      await receiver.close();
    }
  });
});
