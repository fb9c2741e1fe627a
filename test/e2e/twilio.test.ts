import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';
import {
  accountSid,
  parseTwiml,
  startTwilioStandIn,
  type TwilioStandIn,
  twilioWebhooks,
  type Verb,
} from '../support/twilio-stand-in.js';

// A Twilio number pointed at Switchboard, end to end: Twilio's webhooks signed by the official `twilio`
// library (over the public URL, as behind a proxy), answered with TwiML the test follows as Twilio
// would; Switchboard's REST calls (call redirects, SMS) going to a loopback stand-in of Twilio's API.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const authToken = 'twilio-auth-token-0123456789abcdef';
const publicBaseUrl = 'https://switchboard.example.com';
const line = '+18005555565';
let h: Harness;
let url: string;
let twilioApi: TwilioStandIn;
let webhook: ReturnType<typeof twilioWebhooks>;
const clients: AgentClient[] = [];
let sequence = 0;

before(async () => {
  h = await startHarness();
  url = await h.listen();
  twilioApi = await startTwilioStandIn(authToken);
  webhook = twilioWebhooks({ publicBaseUrl, serverUrl: url, authToken });
});
after(async () => {
  for (const client of clients) await client.close();
  await twilioApi.close();
  await h.close();
});

const callSid = () => `CA${String(++sequence).padStart(32, '0')}`;
const providerOf = (extra: Json = {}) => ({
  type: 'twilio',
  settings: {
    accountSid,
    apiBaseUrl: twilioApi.url,
    publicBaseUrl,
    voice: { voice: 'Polly.Joanna', language: 'en-US', holdSeconds: 20, ...extra },
  },
  credentials: { authToken },
});

/** A tenant with a Twilio voice line: a menu (1: Sales, 2: voicemail, silence: goodbye), agents Ana (SIP) and Bo. */
async function voiceLine() {
  const t = await createTenant(h, { allowPrivateNetworkRequests: true });
  const sales = await make(h, `${t.base}/queues`, { name: 'Sales', routing: { wrapUpSeconds: 0 } });
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: sales.id });
  await make(h, `${t.base}/entry-points`, { channelId: phones.id, address: line });
  const configured = await h.call('PUT', `${t.base}/channels/${phones.id}/provider`, { body: providerOf() });
  assert.equal(configured.status, 200, JSON.stringify(configured.body));
  const steps = [
    {
      id: 'menu',
      type: 'collectInput',
      prompt: 'Press 1 for sales, 2 to leave a message.',
      inputType: 'digits',
      maxDigits: 1,
      timeoutSeconds: 5,
      retries: 0,
      exits: { next: 'choice', timeout: 'bye', noMatch: 'bye' },
    },
    {
      id: 'choice',
      type: 'branch',
      cases: [
        { when: "vars.menu == '1'", next: 'hello' },
        { when: "vars.menu == '2'", next: 'vm' },
      ],
      exits: { else: 'bye' },
    },
    { id: 'hello', type: 'playPrompt', text: 'Connecting you to sales.', exits: { next: 'queue' } },
    { id: 'queue', type: 'routeToQueue', queue: 'Sales' },
    {
      id: 'vm',
      type: 'voicemail',
      prompt: 'Leave a message after the tone.',
      maxSeconds: 60,
      queue: 'Sales',
      notificationEmail: 'sales@acme.com',
    },
    { id: 'bye', type: 'playPrompt', text: 'https://cdn.example.com/goodbye.mp3', exits: { next: 'done' } },
    { id: 'done', type: 'end' },
  ];
  const flow = await make(h, `${t.base}/flows`, { name: 'IVR', definition: { start: 'menu', steps } });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'in', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const agent = async (name: string, voiceEndpoint?: Json) => {
    const created = await make(h, `${t.base}/agents`, {
      name,
      email: `${name.toLowerCase()}@acme.com`,
      queueIds: [sales.id],
      ...(voiceEndpoint ? { voiceEndpoint } : {}),
    });
    const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    await client.next('hello');
    return { ...created, client };
  };
  const hooks = `/providers/twilio/${t.id}/${phones.id}`;
  const get = async (id: string) => (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
  /** Twilio's request for a call's next TwiML, at a URL Switchboard gave it. */
  const follow = async (target: string, sid: string, extra: Record<string, string> = {}) => {
    const response = await webhook(target, { AccountSid: accountSid, CallSid: sid, CallStatus: 'in-progress', ...extra });
    assert.equal(response.status, 200, response.text);
    assert.match(response.contentType, /^text\/xml/);
    return parseTwiml(response.text);
  };
  /** A call coming in: its TwiML, its sid and its interaction. */
  const ring = async (from: string) => {
    const sid = callSid();
    const verbs = await follow(`${hooks}/voice`, sid, { From: from, To: line, CallStatus: 'ringing', Direction: 'inbound' });
    const found = (await h.call('GET', `${t.base}/interactions?limit=200`)).body.result.find(
      (i: Json) => i.liveCall?.callSid === sid,
    );
    return { sid, verbs, id: found.id as string };
  };
  /** Presses keys in the Gather of `verbs`. */
  const press = (verbs: Verb[], sid: string, digits: string) =>
    follow(verbs[0]?.attributes.action as string, sid, { Digits: digits });
  return { ...t, sales, phones, hooks, agent, get, follow, ring, press };
}

const says = (verbs: Verb[]) => verbs.filter((v) => v.verb === 'Say').map((v) => v.text);
const redirectOf = (verbs: Verb[]) => verbs.find((v) => v.verb === 'Redirect')?.text as string;

describe('Twilio voice', () => {
  test('an IVR: the menu gathers a key, 1 goes to Sales where callers hear their place in line', async () => {
    const s = await voiceLine();
    const first = await s.ring('+15065550001');
    const [gather] = first.verbs;
    assert.equal(gather?.verb, 'Gather');
    assert.deepEqual(
      { ...gather?.attributes, action: undefined },
      { input: 'dtmf', method: 'POST', timeout: '5', numDigits: '1', actionOnEmptyResult: 'true', action: undefined },
    );
    assert.ok(gather?.attributes.action?.startsWith(`${publicBaseUrl}${s.hooks}/voice/calls/${first.id}/gather?after=`));
    assert.deepEqual(gather?.children, [
      {
        verb: 'Say',
        attributes: { voice: 'Polly.Joanna', language: 'en-US' },
        text: 'Press 1 for sales, 2 to leave a message.',
        children: [],
      },
    ]);

    const queued = await s.press(first.verbs, first.sid, '1');
    assert.deepEqual(says(queued), ['Connecting you to sales.', 'You are number 1 in line.']);
    assert.deepEqual(
      queued.map((v) => v.verb),
      ['Say', 'Say', 'Pause', 'Redirect'],
    );
    assert.equal(queued[2]?.attributes.length, '20');
    assert.equal((await s.get(first.id)).state, 'queued');

    const second = await s.ring('+15065550002');
    assert.deepEqual(says(await s.press(second.verbs, second.sid, '1')), [
      'Connecting you to sales.',
      'You are number 2 in line.',
    ]);
    // Holding on: the place in line again, the prompts already said are not.
    assert.deepEqual(says(await s.follow(redirectOf(queued), first.sid)), ['You are number 1 in line.']);
  });

  test('an agent accepts: the call is redirected at once and rings their SIP address; a leg nobody answers goes back to the queue', async () => {
    const s = await voiceLine();
    const ana = await s.agent('Ana', { type: 'sip', address: 'sip:ana@pbx.example.com' });
    const caller = await s.ring('+15065550003');
    const holding = await s.press(caller.verbs, caller.sid, '1');
    await ana.client.request({ type: 'presence', status: 'available' });
    assert.equal((await ana.client.next('offer')).interaction.id, caller.id);
    await ana.client.request({ type: 'accept', interactionId: caller.id });

    const update = await eventually(async () => twilioApi.callUpdates.find((u) => u.callSid === caller.sid));
    assert.equal(update.form.Method, 'POST');
    assert.ok(update.form.Url?.startsWith(`${publicBaseUrl}${s.hooks}/voice/calls/${caller.id}/next?after=`));
    const bridge = await s.follow(update.form.Url as string, caller.sid);
    assert.deepEqual(bridge, [
      {
        verb: 'Dial',
        attributes: { action: bridge[0]?.attributes.action as string, method: 'POST', timeout: '20', callerId: '+15065550003' },
        text: '',
        children: [{ verb: 'Sip', attributes: {}, text: 'sip:ana@pbx.example.com', children: [] }],
      },
    ]);
    // The hold loop asking meanwhile gets the same bridge: the redirect is not needed for the call to connect.
    assert.equal((await s.follow(redirectOf(holding), caller.sid))[0]?.verb, 'Dial');

    // Ana's leg ends after the conversation: the call is over.
    const over = await s.follow(bridge[0]?.attributes.action as string, caller.sid, {
      DialCallStatus: 'completed',
      DialCallDuration: '42',
    });
    assert.deepEqual(
      over.map((v) => v.verb),
      ['Hangup'],
    );
    const done = await s.get(caller.id);
    assert.equal(done.state, 'completed');
    assert.ok(done.events.some((e: Json) => e.type === 'interaction.ended' && e.data.by === 'agent'));

    // Bo, rung on his Client identity, does not answer: the caller holds again, Bo is away.
    const bo = await s.agent('Bo');
    const next = await s.ring('+15065550004');
    await s.press(next.verbs, next.sid, '1');
    await ana.client.request({ type: 'presence', status: 'away', reason: 'lunch' });
    await bo.client.request({ type: 'presence', status: 'available' });
    assert.equal((await bo.client.next('offer')).interaction.id, next.id);
    await bo.client.request({ type: 'accept', interactionId: next.id });
    const rung = await eventually(async () => twilioApi.callUpdates.find((u) => u.callSid === next.sid));
    const dial = await s.follow(rung.form.Url as string, next.sid);
    assert.deepEqual(dial[0]?.children, [{ verb: 'Client', attributes: {}, text: bo.id, children: [] }]);
    const again = await s.follow(dial[0]?.attributes.action as string, next.sid, { DialCallStatus: 'no-answer' });
    assert.deepEqual(says(again), ['You are number 1 in line.']);
    const requeued = await s.get(next.id);
    assert.equal(requeued.state, 'queued');
    assert.deepEqual(requeued.declinedBy, [bo.id]);
    const presence = (await h.call('GET', `${s.base}/agents/${bo.id}`)).body.result.presence;
    assert.deepEqual([presence.status, presence.reason], ['away', 'not_responding']);
  });

  test('a caller who hangs up in the queue abandons the call (a missed call); a repeated callback changes nothing', async () => {
    const s = await voiceLine();
    const caller = await s.ring('+15065550005');
    await s.press(caller.verbs, caller.sid, '1');
    const status = { AccountSid: accountSid, CallSid: caller.sid, CallStatus: 'completed', CallDuration: '31' };
    assert.equal((await webhook(`${s.hooks}/voice/status`, status)).status, 204);
    const abandoned = await s.get(caller.id);
    assert.equal(abandoned.state, 'abandoned');
    assert.equal((await webhook(`${s.hooks}/voice/status`, status)).status, 204);
    assert.equal((await s.get(caller.id)).revision, abandoned.revision);

    // Hanging up while talking to an agent ends the conversation: wrap-up (none in Sales), then done.
    const cy = await s.agent('Cy');
    const talking = await s.ring('+15065550015');
    await s.press(talking.verbs, talking.sid, '1');
    await cy.client.request({ type: 'presence', status: 'available' });
    await cy.client.request({ type: 'accept', interactionId: (await cy.client.next('offer')).interaction.id });
    await webhook(`${s.hooks}/voice/status`, { AccountSid: accountSid, CallSid: talking.sid, CallStatus: 'completed' });
    const ended = await s.get(talking.id);
    assert.equal(ended.state, 'completed');
    assert.ok(ended.events.some((e: Json) => e.type === 'interaction.ended' && e.data.by === 'customer'));
  });

  test('2 leaves a voicemail: the recording becomes work in Sales; silence at the menu plays goodbye and hangs up', async () => {
    const s = await voiceLine();
    const caller = await s.ring('+15065550006');
    const record = await s.press(caller.verbs, caller.sid, '2');
    assert.deepEqual(
      record.map((v) => v.verb),
      ['Say', 'Record', 'Hangup'],
    );
    assert.equal(record[0]?.text, 'Leave a message after the tone.');
    assert.equal(record[1]?.attributes.maxLength, '60');
    const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/RE${'1'.repeat(32)}`;
    const hungUp = await s.follow(record[1]?.attributes.action as string, caller.sid, {
      RecordingUrl: recordingUrl,
      RecordingDuration: '14',
    });
    assert.deepEqual(
      hungUp.map((v) => v.verb),
      ['Hangup'],
    );
    const call = await s.get(caller.id);
    const work = await s.get(call.events.find((e: Json) => e.type === 'voicemail.recorded').data.workId);
    assert.deepEqual([work.state, work.queueId], ['queued', s.sales.id]);
    assert.deepEqual(work.voicemail, { callId: caller.id, recordingUrl, durationSeconds: 14 });

    const silent = await s.ring('+15065550007');
    const bye = await s.follow(silent.verbs[0]?.attributes.action as string, silent.sid, {});
    assert.deepEqual(bye, [
      { verb: 'Play', attributes: {}, text: 'https://cdn.example.com/goodbye.mp3', children: [] },
      { verb: 'Hangup', attributes: {}, text: '', children: [] },
    ]);
    assert.equal((await s.get(silent.id)).state, 'completed');
  });

  test('a retried webhook is one call; a bad or missing signature is refused and stores nothing', async () => {
    const s = await voiceLine();
    const sid = callSid();
    const params = { AccountSid: accountSid, CallSid: sid, From: '+15065550008', To: line, CallStatus: 'ringing' };
    const first = await webhook(`${s.hooks}/voice`, params);
    const retried = await webhook(`${s.hooks}/voice`, params);
    assert.equal(retried.status, 200);
    const calls = async (from: string) =>
      (await h.call('GET', `${s.base}/interactions?limit=200`)).body.result.filter((i: Json) => i.customer === from);
    assert.equal((await calls('+15065550008')).length, 1);
    assert.equal(parseTwiml(first.text)[0]?.verb, 'Gather');

    const forged = { ...params, CallSid: callSid(), From: '+15065550009' };
    const wrongKey = await webhook(`${s.hooks}/voice`, forged, { authToken: 'not-the-auth-token' });
    assert.equal(wrongKey.status, 403);
    assert.equal(JSON.parse(wrongKey.text).errors[0].code, 'BAD_SIGNATURE');
    assert.equal((await webhook(`${s.hooks}/voice`, forged, { signature: '' })).status, 403);
    // Signed for another URL (the loopback one, not the public one the channel names).
    const elsewhere = twilioWebhooks({ publicBaseUrl: url, serverUrl: url, authToken });
    assert.equal((await elsewhere(`${s.hooks}/voice`, forged)).status, 403);
    assert.deepEqual(await calls('+15065550009'), []);
    const otherAccount = await webhook(`${s.hooks}/voice`, { ...forged, AccountSid: `AC${'f'.repeat(32)}` });
    assert.equal(otherAccount.status, 403);
    assert.equal((await webhook(`${s.hooks}/voice`, { AccountSid: accountSid, From: '+15065550009' })).status, 400);
  });
});

describe('Twilio outbound calls', () => {
  test("an agent's call goes out agent first; a callback's unanswered attempt comes back; an agent who does not pick up cancels", async () => {
    const s = await voiceLine();
    const ana = await s.agent('Ana', { type: 'sip', address: 'sip:ana@pbx.example.com' });
    const token = (await make(h, `${s.base}/agents/${ana.id}/tokens`, {})).token as string;
    const place = async (body: Json) => {
      const placed = await h.call('POST', `${s.base}/outbound-calls`, { body, token });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const call = placed.body.result;
      const created = await eventually(async () => twilioApi.calls.find((c) => c.Url?.includes(`/calls/${call.id}/`)));
      const placedCall = await eventually(async () => {
        const found = await s.get(call.id);
        return found.liveCall ? found : null;
      });
      assert.deepEqual(placedCall.liveCall, { provider: 'twilio', channelId: s.phones.id, callSid: created.sid });
      return { id: call.id as string, sid: created.sid as string, created };
    };

    const plain = await place({ to: '+15065550020', from: line });
    assert.deepEqual(
      { To: plain.created.To, From: plain.created.From, Url: plain.created.Url, StatusCallback: plain.created.StatusCallback },
      {
        To: 'sip:ana@pbx.example.com',
        From: line,
        Url: `${publicBaseUrl}${s.hooks}/voice/calls/${plain.id}/next`,
        StatusCallback: `${publicBaseUrl}${s.hooks}/voice/calls/${plain.id}/agent-status`,
      },
    );
    // Ana answers her phone: Twilio asks what to do, and dials the customer from the line.
    const dial = await s.follow(plain.created.Url as string, plain.sid);
    assert.equal(dial[0]?.verb, 'Dial');
    assert.equal(dial[0]?.attributes.callerId, line);
    const number = dial[0]?.children[0];
    assert.deepEqual(
      [number?.verb, number?.text, number?.attributes.statusCallbackEvent],
      ['Number', '+15065550020', 'answered'],
    );
    const answered = await webhook(number?.attributes.statusCallback as string, {
      AccountSid: accountSid,
      CallSid: callSid(),
      ParentCallSid: plain.sid,
      CallStatus: 'in-progress',
    });
    assert.equal(answered.status, 204);
    assert.equal((await s.get(plain.id)).outboundCall.status, 'in-progress');
    const over = await s.follow(dial[0]?.attributes.action as string, plain.sid, {
      DialCallStatus: 'completed',
      DialCallDuration: '61',
    });
    assert.deepEqual(
      over.map((v) => v.verb),
      ['Hangup'],
    );
    const ended = await s.get(plain.id);
    assert.deepEqual([ended.state, ended.outboundCall.status, Boolean(ended.connectedAt)], ['completed', 'completed', true]);

    // A caller asks for a callback and hangs up; Ana takes it and calls: nobody answers.
    const caller = await s.ring('+15065550021');
    await s.press(caller.verbs, caller.sid, '1');
    const asked = await h.call('POST', `${s.base}/interactions/${caller.id}/callbacks`, {
      body: { queue: 'Sales', retryMinutes: 5 },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    await webhook(`${s.hooks}/voice/status`, { AccountSid: accountSid, CallSid: caller.sid, CallStatus: 'completed' });
    await ana.client.request({ type: 'presence', status: 'available' });
    const offer = await ana.client.next('offer');
    assert.equal(offer.interaction.id, asked.body.result.id);
    await ana.client.request({ type: 'accept', interactionId: offer.interaction.id });
    // Accepted on a Twilio line, the callback is dialled at once, agent first.
    const dialed = await eventually(async () =>
      (await s.get(offer.interaction.id)).events.find((e: Json) => e.type === 'callback.dialed'),
    );
    const attempt = {
      id: dialed.data.callId as string,
      created: await eventually(async () => twilioApi.calls.find((c) => c.Url?.includes(`/calls/${dialed.data.callId}/`))),
    };
    const attemptSid = attempt.created.sid as string;
    assert.equal(attempt.created.From, line, 'the callback goes out on the line the customer called');
    const again = await h.call('POST', `${s.base}/outbound-calls`, { body: { callbackId: offer.interaction.id }, token });
    assert.equal(again.body.errors[0].code, 'CALLBACK_NOT_HELD', 'dialled once');
    const toCustomer = await s.follow(attempt.created.Url as string, attemptSid);
    assert.equal(toCustomer[0]?.children[0]?.text, '+15065550021');
    await eventually(async () => (await s.get(attempt.id)).liveCall);
    await s.follow(toCustomer[0]?.attributes.action as string, attemptSid, { DialCallStatus: 'no-answer' });
    const callback = await s.get(offer.interaction.id);
    assert.deepEqual(
      callback.callback.attempts.map((a: Json) => [a.callId, a.outcome]),
      [[attempt.id, 'no-answer']],
    );
    assert.ok(callback.events.some((e: Json) => e.type === 'callback.retry_scheduled'));

    // Ana does not pick up her own phone: the customer is never called.
    const missed = await place({ to: '+15065550022', from: line });
    const status = await webhook(`${s.hooks}/voice/calls/${missed.id}/agent-status`, {
      AccountSid: accountSid,
      CallSid: missed.sid,
      CallStatus: 'no-answer',
    });
    assert.equal(status.status, 204);
    const canceled = await s.get(missed.id);
    assert.deepEqual([canceled.state, canceled.outboundCall.status], ['completed', 'canceled']);
  });

  test('Twilio refusing the call ends it as failed; the agent can call again', async () => {
    const s = await voiceLine();
    const ana = await s.agent('Ana');
    twilioApi.failWith = 400;
    try {
      const placed = await h.call('POST', `${s.base}/outbound-calls`, {
        body: { agentId: ana.id, to: '+15065550030', from: line },
      });
      assert.equal(placed.status, 201);
      const failed = await eventually(async () => {
        const found = await s.get(placed.body.result.id);
        return found.outboundCall.status === 'failed' ? found : null;
      });
      assert.equal(failed.state, 'completed');
      assert.match(failed.events.find((e: Json) => e.type === 'call.placement_failed').data.error, /^400 /);
    } finally {
      twilioApi.failWith = null;
    }
  });
});

describe('Twilio SMS', () => {
  test('an SMS starts a conversation; the flow and the agent answer through the Messages API; statuses come back', async () => {
    const t = await createTenant(h, { allowPrivateNetworkRequests: true });
    const support = await make(h, `${t.base}/queues`, { name: 'Support' });
    const texts = await make(h, `${t.base}/channels`, { name: 'Texts', type: 'sms', defaultQueueId: support.id });
    await make(h, `${t.base}/entry-points`, { channelId: texts.id, address: '+18005550100' });
    const configured = await h.call('PUT', `${t.base}/channels/${texts.id}/provider`, { body: providerOf() });
    assert.equal(configured.status, 200, JSON.stringify(configured.body));
    const steps = [
      { id: 'hi', type: 'sendMessage', text: 'Thanks! An agent will text you back.', exits: { next: 'queue' } },
      { id: 'queue', type: 'routeToQueue' },
    ];
    const flow = await make(h, `${t.base}/flows`, { name: 'Texts', definition: { start: 'hi', steps } });
    await make(h, `${t.base}/dispatch-mappings`, {
      name: 'in',
      interactionField: 'direction',
      value: 'inbound',
      flowId: flow.id,
    });
    const hooks = `/providers/twilio/${t.id}/${texts.id}`;
    const inbound = {
      AccountSid: accountSid,
      MessageSid: `SM${'a'.repeat(32)}`,
      From: '+15065550010',
      To: '+18005550100',
      Body: 'Is my order shipped?',
      NumMedia: '1',
      MediaUrl0: 'https://api.twilio.com/media/ME1',
      MediaContentType0: 'image/jpeg',
    };
    const received = await webhook(`${hooks}/sms`, inbound);
    assert.equal(received.status, 200, received.text);
    assert.deepEqual(parseTwiml(received.text), [], 'no reply of Twilio’s own');
    // Twilio retries: the same message, once.
    assert.equal((await webhook(`${hooks}/sms`, inbound)).status, 200);
    const listed = (await h.call('GET', `${t.base}/interactions?limit=200`)).body.result as Json[];
    assert.equal(listed.length, 1);
    const conversation = listed[0];
    assert.deepEqual([conversation.channelType, conversation.customer, conversation.state], ['sms', '+15065550010', 'queued']);

    const reply = await eventually(async () => twilioApi.messages.find((m) => m.To === '+15065550010'));
    assert.deepEqual(
      { To: reply.To, From: reply.From, Body: reply.Body, StatusCallback: reply.StatusCallback },
      {
        To: '+15065550010',
        From: '+18005550100',
        Body: 'Thanks! An agent will text you back.',
        StatusCallback: `${publicBaseUrl}${hooks}/sms/status`,
      },
    );
    const sent = await h.call('POST', `${t.base}/interactions/${conversation.id}/messages`, {
      body: { text: 'Yes, it left today.' },
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const second = await eventually(async () => twilioApi.messages.find((m) => m.Body === 'Yes, it left today.'));

    const status = (sid: string, value: string, extra: Record<string, string> = {}) =>
      webhook(`${hooks}/sms/status`, { AccountSid: accountSid, MessageSid: sid, MessageStatus: value, ...extra });
    assert.equal((await status(reply.sid as string, 'sent')).status, 204);
    assert.equal((await status(reply.sid as string, 'delivered')).status, 204);
    assert.equal((await status(second.sid as string, 'undelivered', { ErrorCode: '30003' })).status, 204);
    const messages = (await h.call('GET', `${t.base}/interactions/${conversation.id}/messages`)).body.result as Json[];
    const byText = (text: string) => messages.find((m) => m.text === text);
    assert.equal(byText('Is my order shipped?')?.attachments[0].contentType, 'image/jpeg');
    assert.equal(byText('Thanks! An agent will text you back.')?.status, 'delivered');
    assert.equal(byText('Yes, it left today.')?.status, 'failed');
    assert.equal(byText('Yes, it left today.')?.error.code, '30003');
    // A forged status changes nothing.
    const forged = await webhook(
      `${hooks}/sms/status`,
      { AccountSid: accountSid, MessageSid: reply.sid as string, MessageStatus: 'failed' },
      { authToken: 'x' },
    );
    assert.equal(forged.status, 403);
  });
});
