import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually, type HttpReceiver, sendJson, startHttpReceiver } from '../support/http-receiver.js';

// Flows driven through the HTTP API: every step type, a real HTTP server for httpRequest, inputs for
// collectInput, timers on the simulated clock, fallbacks, guards and version pinning.

let h: Harness;
let base: string;
let crm: HttpReceiver;
let billing: { id: string };
let general: { id: string };

const mondayMorning = '2026-03-02T15:00:00.000Z'; // Monday 10:00 in New York
const sundayMorning = '2026-03-08T15:00:00.000Z';

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const ivr = (crmUrl: string) => ({
  start: 'hours',
  steps: [
    {
      id: 'hours',
      type: 'businessHours',
      weekly: { mon: [{ open: '09:00', close: '17:00' }], tue: [{ open: '09:00', close: '17:00' }] },
      holidays: ['2026-12-25'],
      exits: { open: 'lookup', closed: 'vm' },
    },
    {
      id: 'lookup',
      type: 'httpRequest',
      method: 'GET',
      url: `${crmUrl}/customers/{{interaction.customer}}`,
      headers: { 'x-tenant': 'acme' },
      responseVariables: { tier: 'response.body.tier', name: 'response.body.name' },
      exits: { next: 'greet', error: 'menu' },
    },
    { id: 'greet', type: 'playPrompt', text: 'Hello {{vars.name}}.', exits: { next: 'flags' } },
    { id: 'flags', type: 'setVariables', variables: { vip: "vars.tier == 'gold'", attempts: '0' }, exits: { next: 'menu' } },
    {
      id: 'menu',
      type: 'collectInput',
      prompt: 'Press 1 for billing, 2 for a callback, 3 to leave a message.',
      retryPrompt: 'Sorry, I did not get that. Press 1, 2 or 3.',
      inputType: 'digits',
      maxDigits: 1,
      validWhen: "input in ['1', '2', '3']",
      timeoutSeconds: 10,
      retries: 1,
      exits: { next: 'choice', noMatch: 'vm', timeout: 'vm' },
    },
    {
      id: 'choice',
      type: 'branch',
      cases: [
        { when: "vars.menu == '1'", next: 'prep' },
        { when: "vars.menu == '2'", next: 'cb' },
      ],
      exits: { else: 'vm' },
    },
    {
      id: 'prep',
      type: 'subflow',
      flow: 'Billing_Prep',
      inputs: { tier: "has(vars.tier) ? vars.tier : 'none'" },
      outputVariable: 'prep',
      exits: { next: 'billing' },
    },
    {
      id: 'billing',
      type: 'routeToQueue',
      queue: 'Billing',
      priority: 'vars.prep.priority',
      requirements: 'agent.attributes.skills.billing >= 3',
      preferredAgent: { agent: 'ada@example.com', expiresAfterSeconds: 30 },
      maxWaitSeconds: 120,
      exits: { timeout: 'ada' },
    },
    { id: 'ada', type: 'routeToAgent', agent: 'E100', expiresAfterSeconds: 60, exits: { timeout: 'vm' } },
    { id: 'cb', type: 'callback', queue: 'Billing' },
    { id: 'vm', type: 'voicemail', prompt: 'Please leave a message.', notificationEmail: 'support@example.com' },
  ],
});

const billingPrep = {
  start: 'score',
  steps: [
    { id: 'score', type: 'setVariables', variables: { priority: "inputs.tier == 'gold' ? 10 : 1" }, exits: { next: 'done' } },
    { id: 'done', type: 'end', outputs: { priority: 'vars.priority' } },
  ],
};

before(async () => {
  h = await startHarness();
  await h.clock.set(mondayMorning);
  crm = await startHttpReceiver((request, response) => {
    if (/^\/customers\/(%2B|\+)15065552222/.test(request.url)) return sendJson(response, 200, { tier: 'gold', name: 'Pat' });
    if (request.url.startsWith('/customers/')) return sendJson(response, 404, { error: 'unknown' });
    if (request.url === '/fail') return sendJson(response, 500, { error: 'boom' });
    if (request.url === '/echo') return sendJson(response, 200, { received: JSON.parse(request.body || 'null') });
    sendJson(response, 404, {});
  });
  ({ base } = await createTenant(h, { timeZone: 'America/New_York', allowPrivateNetworkRequests: true }));
  general = await make(h, `${base}/queues`, { name: 'General' });
  billing = await make(h, `${base}/queues`, { name: 'Billing', slaMinutes: 15 });
  const phones = await make(h, `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: general.id });
  await make(h, `${base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  await make(h, `${base}/agents`, {
    name: 'Ada',
    email: 'Ada@Example.com',
    employeeId: 'E100',
    attributes: { skills: { billing: 4 } },
  });
  await make(h, `${base}/flows`, { name: 'Billing Prep', reusable: true, definition: billingPrep });
  const flow = await make(h, `${base}/flows`, { name: 'IVR', fallbackQueueId: general.id, definition: ivr(crm.url) });
  await make(h, `${base}/dispatch-mappings`, {
    name: 'Main line',
    channelType: 'voice',
    interactionField: 'contact-point',
    value: '+18005555565',
    flowId: flow.id,
  });
});
after(async () => {
  await h.close();
  await crm.close();
});

async function call(customer: string): Promise<Json> {
  const response = await h.call('POST', `${base}/interactions`, {
    body: { channelType: 'voice', contactPoint: '+18005555565', customer },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.result;
}
const get = async (id: string): Promise<Json> => (await h.call('GET', `${base}/interactions/${id}`)).body.result;
const waitingFor = (id: string, kind: string) =>
  eventually(async () => {
    const interaction = await get(id);
    return interaction.flowRun?.waiting?.kind === kind ? interaction : null;
  });
const input = (id: string, value: string) => h.call('POST', `${base}/interactions/${id}/inputs`, { body: { value } });
const steps = (interaction: Json) => interaction.flowRun.path.map((p: Json) => `${p.stepId}:${p.exit}`);
const eventTypes = (interaction: Json) => interaction.events.map((e: Json) => e.type);

describe('every step type through the API', () => {
  test('open hours, CRM lookup, menu 1 → subflow → queue with requirements → agent → voicemail', async () => {
    const created = await call('+15065552222');
    const atMenu = await waitingFor(created.id, 'input');
    assert.equal(atMenu.state, 'in_flow');
    assert.equal(crm.received.at(-1)?.headers['x-tenant'], 'acme');
    assert.deepEqual(atMenu.flowRun.frames[0].vars, { tier: 'gold', name: 'Pat', vip: true, attempts: 0 });
    const prompts = atMenu.events.filter((e: Json) => e.type === 'flow.prompt').map((e: Json) => e.data.text);
    assert.deepEqual(prompts, ['Hello Pat.', 'Press 1 for billing, 2 for a callback, 3 to leave a message.']);

    const queued = (await input(created.id, '1')).body.result;
    assert.equal(queued.state, 'queued');
    assert.equal(queued.queueId, billing.id);
    assert.equal(queued.priority, 10);
    assert.equal(queued.placement.queueSource, 'flow');
    assert.equal(queued.dueAt, '2026-03-02T15:15:00.000Z');
    assert.deepEqual(queued.routing, {
      stepId: 'billing',
      requirements: 'agent.attributes.skills.billing >= 3',
      preferredAgent: { agent: 'ada@example.com', expiresAt: '2026-03-02T15:00:30.000Z' },
      targetAgent: null,
      maxWaitUntil: '2026-03-02T15:02:00.000Z',
    });
    assert.deepEqual(steps(queued), [
      'hours:open',
      'lookup:next',
      'greet:next',
      'flags:next',
      'menu:next',
      'choice:case 0',
      'prep:next',
      'score:next',
      'done:end',
      'billing:null',
    ]);
    assert.equal(queued.flowRun.path.find((p: Json) => p.stepId === 'score').flow, 'Billing_Prep');

    await h.clock.advance(120_000);
    const toAgent = await get(created.id);
    assert.equal(toAgent.state, 'queued');
    assert.deepEqual(toAgent.routing.targetAgent, { agent: 'E100', expiresAt: '2026-03-02T15:03:00.000Z' });
    assert.ok(eventTypes(toAgent).includes('interaction.left_queue'));

    await h.clock.advance(60_000);
    const done = await get(created.id);
    assert.equal(done.state, 'voicemail');
    assert.equal(done.queueId, null);
    assert.deepEqual(steps(done).slice(-3), ['billing:timeout', 'ada:timeout', 'vm:voicemail']);
    const voicemail = done.events.find((e: Json) => e.type === 'interaction.voicemail');
    assert.equal(voicemail.data.notificationEmail, 'support@example.com');
    assert.equal(done.flowRun.status, 'completed');
  });

  test('an unknown caller: the CRM answers 404, the error exit skips the greeting; menu 2 requests a callback', async () => {
    const created = await call('+15065559999');
    const atMenu = await waitingFor(created.id, 'input');
    assert.deepEqual(steps(atMenu).slice(0, 2), ['hours:open', 'lookup:error']);
    assert.match(atMenu.flowRun.path[1].error, /answered 404/);
    const done = (await input(created.id, '2')).body.result;
    assert.equal(done.state, 'callback_requested');
    const callback = done.events.find((e: Json) => e.type === 'interaction.callback_requested');
    assert.deepEqual(callback.data, { stepId: 'cb', number: '+15065559999', at: null, queueId: billing.id });
  });

  test('collectInput retries: a wrong key re-prompts, a second one takes noMatch', async () => {
    const created = await call('+15065559998');
    await waitingFor(created.id, 'input');
    const retry = (await input(created.id, '9')).body.result;
    assert.equal(retry.flowRun.waiting.attempt, 1);
    assert.equal(retry.events.at(-1).data.text, 'Sorry, I did not get that. Press 1, 2 or 3.');
    const done = (await input(created.id, '12')).body.result;
    assert.deepEqual(steps(done).slice(-2), ['menu:noMatch', 'vm:voicemail']);
  });

  test('collectInput time-outs: silence re-prompts after 10 s, then takes the timeout exit', async () => {
    const created = await call('+15065559997');
    await waitingFor(created.id, 'input');
    await h.clock.advance(10_000);
    assert.equal((await get(created.id)).flowRun.waiting.attempt, 1);
    await h.clock.advance(10_000);
    const done = await get(created.id);
    assert.equal(done.state, 'voicemail');
    assert.equal(done.flowRun.path.find((p: Json) => p.stepId === 'menu').exit, 'timeout');
    const late = await input(created.id, '1');
    assert.equal(late.status, 409);
    assert.equal(late.body.errors[0].code, 'FLOW_NOT_WAITING_FOR_INPUT');
  });

  test('closed hours go straight to voicemail, in the tenant time zone', async () => {
    await h.clock.set(sundayMorning);
    const done = await call('+15065552222');
    assert.equal(done.state, 'voicemail');
    assert.deepEqual(steps(done), ['hours:closed', 'vm:voicemail']);
    // 8 March 2026 is the first day of daylight saving time in New York: 15:00 UTC is 11:00 there.
    assert.equal(done.flowRun.path[0].detail.localTime, '2026-03-08 11:00 sun');
    await h.clock.set('2026-03-09T15:00:00.000Z');
  });

  test('sendMessage on messaging, and a JSON body with templates', async () => {
    const chat = await make(h, `${base}/channels`, {
      name: 'Chat',
      type: 'messaging',
      medium: 'chat',
      defaultQueueId: general.id,
    });
    await make(h, `${base}/entry-points`, { channelId: chat.id, address: 'site-widget' });
    const flow = await make(h, `${base}/flows`, {
      name: 'Chat',
      definition: {
        start: 'hi',
        steps: [
          { id: 'hi', type: 'sendMessage', text: 'Hi {{interaction.customer}}!', exits: { next: 'post' } },
          {
            id: 'post',
            type: 'httpRequest',
            method: 'POST',
            url: `${crm.url}/echo`,
            json: { who: '{{interaction.customer}}', tags: ['chat', '{{interaction.channelType}}'] },
            responseVariables: { echoed: 'response.body.received.who' },
            exits: { next: 'queue' },
          },
          { id: 'queue', type: 'routeToQueue' },
        ],
      },
    });
    await make(h, `${base}/dispatch-mappings`, {
      name: 'chat',
      channelType: 'any',
      interactionField: 'contact-point',
      value: 'site-widget',
      flowId: flow.id,
    });
    const created = (
      await h.call('POST', `${base}/interactions`, {
        body: { channelType: 'messaging', medium: 'chat', contactPoint: 'site-widget', customer: 'visitor-7' },
      })
    ).body.result;
    assert.equal(created.events.find((e: Json) => e.type === 'flow.prompt').data.mode, 'message');
    const queued = await eventually(async () => {
      const interaction = await get(created.id);
      return interaction.state === 'queued' ? interaction : null;
    });
    assert.equal(queued.flowRun.frames[0].vars.echoed, 'visitor-7');
    assert.equal(queued.queueId, general.id);
    assert.deepEqual(JSON.parse(crm.received.at(-1)?.body ?? ''), { who: 'visitor-7', tags: ['chat', 'messaging'] });
  });
});

describe('failures, guards and versions', () => {
  let mapped = 0;
  async function flowFor(definition: Json, fields: Json = {}) {
    const flow = await make(h, `${base}/flows`, { name: `F${++mapped}`, definition, ...fields });
    const customer = `+1506555${String(7000 + mapped)}`;
    await make(h, `${base}/dispatch-mappings`, {
      name: `m${mapped}`,
      channelType: 'voice',
      interactionField: 'customer',
      value: customer,
      flowId: flow.id,
    });
    return { flow, customer };
  }

  test('a step error without an error exit fails the run and the flow fallback queue takes the call', async () => {
    const { customer } = await flowFor(
      {
        start: 'post',
        steps: [
          { id: 'post', type: 'httpRequest', method: 'GET', url: `${crm.url}/fail`, exits: { next: 'q' } },
          { id: 'q', type: 'routeToQueue', queue: 'Billing' },
        ],
      },
      { fallbackQueueId: general.id },
    );
    const created = await call(customer);
    const failed = await eventually(async () => {
      const interaction = await get(created.id);
      return interaction.state === 'queued' ? interaction : null;
    });
    assert.equal(failed.queueId, general.id);
    assert.equal(failed.placement.queueSource, 'flow-fallback');
    assert.equal(failed.flowRun.status, 'failed');
    assert.equal(failed.flowRun.outcome.code, 'FLOW_STEP_FAILED');
    assert.match(failed.flowRun.outcome.message, /answered 500/);
  });

  test('without a fallback queue the interaction fails; the reason is on the record', async () => {
    const { customer } = await flowFor({
      start: 'bad',
      steps: [{ id: 'bad', type: 'setVariables', variables: { x: 'vars.missing + 1' } }],
    });
    const failed = await call(customer);
    assert.equal(failed.state, 'failed');
    assert.match(failed.flowRun.outcome.message, /missing/);
    assert.deepEqual(eventTypes(failed).slice(-2), ['flow.failed', 'interaction.failed']);
  });

  test('a loop that never waits is stopped', async () => {
    const { customer } = await flowFor({
      start: 'again',
      steps: [
        { id: 'again', type: 'setVariables', variables: { n: 'has(vars.n) ? vars.n + 1 : 1' }, exits: { next: 'check' } },
        { id: 'check', type: 'branch', cases: [{ when: 'vars.n < 1000000', next: 'again' }] },
      ],
    });
    const failed = await call(customer);
    assert.equal(failed.flowRun.outcome.code, 'FLOW_LOOP_WITHOUT_WAIT');
    assert.equal(failed.state, 'failed');
  });

  test('internal addresses are refused unless the tenant allows them', async () => {
    const other = await createTenant(h, { name: 'Locked down' });
    const queue = await make(h, `${other.base}/queues`, { name: 'Q' });
    const flow = await make(h, `${other.base}/flows`, {
      name: 'Reach in',
      fallbackQueueId: queue.id,
      definition: {
        start: 'peek',
        steps: [
          { id: 'peek', type: 'httpRequest', method: 'GET', url: `${crm.url}/customers/x`, exits: { next: 'q', error: 'q' } },
          { id: 'q', type: 'routeToQueue', queue: 'Q' },
        ],
      },
    });
    await make(h, `${other.base}/dispatch-mappings`, {
      name: 'all',
      interactionField: 'direction',
      value: 'inbound',
      flowId: flow.id,
    });
    const before = crm.received.length;
    const created = (
      await h.call('POST', `${other.base}/interactions`, { body: { channelType: 'voice', customer: '+15065550000' } })
    ).body.result;
    const queued = await eventually(async () => {
      const interaction = (await h.call('GET', `${other.base}/interactions/${created.id}`)).body.result;
      return interaction.state === 'queued' ? interaction : null;
    });
    assert.equal(queued.flowRun.path[0].exit, 'error');
    assert.match(queued.flowRun.path[0].error, /internal address/);
    assert.equal(crm.received.length, before);
    // Only the admin may open it up.
    const key = (await make(h, `${other.base}/api-keys`, {})).key;
    const refused = await h.call('PUT', other.base, { token: key, body: { allowPrivateNetworkRequests: true } });
    assert.equal(refused.status, 403);
  });

  test('a running interaction finishes on the version it started with', async () => {
    const v1 = {
      start: 'ask',
      steps: [
        { id: 'ask', type: 'collectInput', prompt: 'v1 prompt', inputType: 'text', exits: { next: 'v1queue' } },
        { id: 'v1queue', type: 'routeToQueue', queue: 'Billing' },
      ],
    };
    const { flow, customer } = await flowFor(v1);
    const running = await call(customer);
    assert.equal(running.flowRun.waiting.kind, 'input');
    await make(h, `${base}/flows/${flow.id}/versions`, {
      activate: true,
      definition: { start: 'v2queue', steps: [{ id: 'v2queue', type: 'routeToQueue', queue: 'General' }] },
    });
    const finished = (await input(running.id, 'hello')).body.result;
    assert.deepEqual(steps(finished), ['ask:next', 'v1queue:null']);
    assert.equal(finished.queueId, billing.id);
    assert.equal(finished.flowRun.frames[0].vars.ask, 'hello');
    const fresh = await call(customer);
    assert.deepEqual(steps(fresh), ['v2queue:null']);
    assert.equal(fresh.queueId, general.id);
  });

  test('a transfer ends the old segment flow and its timers', async () => {
    const { customer } = await flowFor({
      start: 'q',
      steps: [
        { id: 'q', type: 'routeToQueue', queue: 'Billing', maxWaitSeconds: 30, exits: { timeout: 'vm' } },
        { id: 'vm', type: 'voicemail', notificationEmail: 'x@example.com' },
      ],
    });
    const queued = await call(customer);
    const segment = (await h.call('POST', `${base}/interactions/${queued.id}/transfers`, { body: { queueId: general.id } })).body
      .result;
    await h.clock.advance(60_000);
    assert.equal((await get(queued.id)).state, 'transferred');
    assert.equal((await get(segment.id)).state, 'queued');
  });
});
