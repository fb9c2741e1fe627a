import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { smtpTransport } from '../../src/adapters/smtp/index.js';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually, type HttpReceiver, sendJson, startHttpReceiver } from '../support/http-receiver.js';
import { type HubSpotStandIn, startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { type SmtpStandIn, startSmtpServer } from '../support/smtp-server.js';

// CONTRACT 4(c), end to end: calls driven through the HTTP API and the agents' WebSockets on the
// contract's call flow (Welcome → Call to agent(Ana, 20 s) → Call to group(Sales) → Voicemail), each
// export checked where it lands — a HubSpot-shaped server or a signed HTTP receiver on loopback.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const hubspotToken = 'pat-na1-test-token';
const caller = '+15065550000';
let h: Harness;
let url: string;
let hubspot: HubSpotStandIn;
let receiver: HttpReceiver;
let smtp: SmtpStandIn;
const clients: AgentClient[] = [];

before(async () => {
  smtp = await startSmtpServer();
  h = await startHarness({ email: smtpTransport(smtp.url, 'Switchboard <switchboard@acme.com>') });
  url = await h.listen();
  hubspot = await startHubSpotStandIn(hubspotToken);
  receiver = await startHttpReceiver((_request, response) => sendJson(response, 200, {}));
});
after(async () => {
  for (const client of clients) await client.close();
  await hubspot.close();
  await receiver.close();
  await smtp.close();
  await h.close();
});
beforeEach(async () => {
  hubspot.contacts.length = 0;
  await h.clock.set('2026-03-02T10:00:00.000Z');
});

const users = [
  { id: 'u-ana', email: 'ana@acme.com' },
  { id: 'u-bo', email: 'bo@acme.com' },
  { id: 'u-installer', email: 'admin@acme.com' },
];

interface Options {
  /** The voicemail step's email. */
  voicemailEmail?: string;
  /** Export to HubSpot (which tells contact owners) instead of the signed receiver. */
  hubspot?: boolean;
  integration?: Json;
}

/** A tenant on the contract's fixtures (4(b)) with the call flow of number N. */
async function setup(options: Options = {}) {
  const t = await createTenant(h, { timeZone: 'UTC', allowPrivateNetworkRequests: true });
  const sales = await make(h, `${t.base}/queues`, { name: 'Sales' });
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: sales.id });
  await make(h, `${t.base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const agents: Record<string, Json> = {};
  for (const name of ['Ana', 'Bo', 'Cy']) {
    const created = await make(h, `${t.base}/agents`, { name, email: `${name.toLowerCase()}@acme.com`, queueIds: [sales.id] });
    const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    await client.next('hello');
    agents[name] = { ...created, client };
  }
  const steps = [
    {
      id: 'welcome',
      type: 'collectInput',
      prompt: 'Welcome to Acme. Press 1 to continue.',
      inputType: 'digits',
      maxDigits: 1,
      timeoutSeconds: 10,
      retries: 0,
      exits: { next: 'ana', timeout: 'ana', noMatch: 'ana' },
    },
    { id: 'ana', type: 'routeToAgent', agent: 'ana@acme.com', expiresAfterSeconds: 20, exits: { timeout: 'sales' } },
    { id: 'sales', type: 'routeToQueue', queue: 'Sales', maxWaitSeconds: 60, exits: { timeout: 'vm' } },
    { id: 'vm', type: 'voicemail', notificationEmail: options.voicemailEmail ?? 'bo@acme.com' },
  ];
  const flow = await make(h, `${t.base}/flows`, { name: 'N', definition: { start: 'welcome', steps } });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const callExport = options.hubspot
    ? { format: 'hubspot', url: hubspot.url, accessToken: hubspotToken }
    : { format: 'signed-http', url: receiver.url, secret: 'a-secret-of-16-chars-or-more' };
  await make(h, `${t.base}/integrations`, {
    name: 'crm1',
    type: options.hubspot ? 'hubspot' : 'crm',
    users,
    installerUserId: 'u-installer',
    contactOwners: options.hubspot === true,
    callExport,
    ...options.integration,
  });

  async function available(name: string) {
    await agents[name].client.request({ type: 'presence', status: 'available' });
    await agents[name].client.next('presence');
  }
  /** A call from the caller; `pressOne` takes it past the welcome step. */
  async function call(pressOne = true) {
    const response = await h.call('POST', `${t.base}/interactions`, {
      body: { channelType: 'voice', contactPoint: '+18005555565', customer: caller },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    const id = response.body.result.id as string;
    if (pressOne) {
      const input = await h.call('POST', `${t.base}/interactions/${id}/inputs`, { body: { value: '1' } });
      assert.equal(input.status, 200, JSON.stringify(input.body));
    }
    return id;
  }
  const hangUp = async (id: string) => {
    const response = await h.call('POST', `${t.base}/interactions/${id}/abandon`, {});
    assert.equal(response.body.result.state, 'abandoned');
  };
  /** The export once delivered: its assignee, method and the methods tried, with what each named. */
  async function exported(id: string) {
    const found = await eventually(async () => {
      const listed = (await h.call('GET', `${t.base}/exports?interactionId=${id}`)).body.result[0];
      return listed && listed.status !== 'pending' ? listed : null;
    });
    assert.equal(found.status, 'delivered', found.lastError);
    return {
      record: found,
      assignee: found.assignment.assigneeIntegrationUserId as string | null,
      method: found.assignment.method as string,
      attempts: (found.assignment.attempts as Json[]).map((a) => `${a.method}:${a.candidate}:${a.integrationUserId}`),
    };
  }
  /** The call in the Sales queue (the agent step timed out): its wait has begun. */
  async function inQueue(id: string) {
    await eventually(async () => {
      const interaction = (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
      return interaction.routing?.stepId === 'sales' && interaction.state === 'queued';
    });
  }
  /** Past the agent step and the queue's 60 s: the flow goes on to the voicemail step. */
  async function toVoicemail(id: string) {
    await h.clock.advance(20_000);
    await inQueue(id);
    await h.clock.advance(60_000);
  }
  return { ...t, agents, available, call, hangUp, exported, inQueue, toVoicemail };
}

/** Waits until the call is offered to this agent. */
async function offered(s: Json, name: string) {
  return s.agents[name].client.next('offer');
}

describe('missed call assignment end to end (CONTRACT 4(c))', () => {
  test('1. missed on Call to agent: Ana is offered the call, does not answer, the caller hangs up → u-ana', async () => {
    const s = await setup();
    await s.available('Ana');
    const id = await s.call();
    await offered(s, 'Ana');
    await h.clock.advance(10_000);
    await s.hangUp(id);
    const result = await s.exported(id);
    assert.deepEqual([result.assignee, result.method], ['u-ana', 'last_step_agent']);
    assert.equal(result.record.call.outcome, 'missed');
  });

  test('2. missed in the group step: Bo rang last → u-bo', async () => {
    const s = await setup();
    await s.available('Bo');
    const id = await s.call();
    await h.clock.advance(20_000);
    await offered(s, 'Bo');
    await h.clock.advance(30_000);
    await s.hangUp(id);
    const result = await s.exported(id);
    assert.deepEqual([result.assignee, result.method], ['u-bo', 'last_step_agent']);
  });

  test('3. the last agent offered (Cy) is no CRM user → the HubSpot contact owner, on the logged call', async () => {
    const s = await setup({ hubspot: true });
    hubspot.contacts.push({ id: '501', phone: caller, ownerId: 'u-ana' });
    await s.available('Cy');
    const id = await s.call();
    await h.clock.advance(20_000);
    await offered(s, 'Cy');
    await s.hangUp(id);
    const result = await s.exported(id);
    assert.deepEqual([result.assignee, result.method], ['u-ana', 'contact_owner']);
    assert.deepEqual(result.attempts, ['last_step_agent:cy@acme.com:null', 'contact_owner:u-ana:u-ana']);
    const logged = hubspot.calls.find((c) => c.id === result.record.externalId);
    assert.ok(logged, 'the export names the call HubSpot made');
    assert.equal(logged.properties.hubspot_owner_id, 'u-ana');
    assert.equal(logged.properties.hs_call_direction, 'INBOUND');
    assert.equal(logged.properties.hs_call_status, 'NO_ANSWER');
    assert.equal(logged.properties.hs_call_from_number, caller);
    assert.deepEqual(logged.associations, [
      { to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] },
    ]);
  });

  test('4. voicemail: the call ends in Voicemail(bo@acme.com) → u-bo', async () => {
    const s = await setup();
    const id = await s.call();
    await s.toVoicemail(id);
    const result = await s.exported(id);
    assert.deepEqual([result.assignee, result.method], ['u-bo', 'voicemail_email']);
    assert.equal(result.record.call.outcome, 'voicemail');
  });

  test('5. voicemail email unknown, no CRM owner → the contact’s favourite agent (Ana)', async () => {
    const s = await setup({ hubspot: true, voicemailEmail: 'shared@acme.com' });
    hubspot.contacts.push({ id: '502', phone: caller, ownerId: null });
    await make(h, `${s.base}/contacts`, { phoneNumbers: [caller], favoriteAgentId: 'ana@acme.com' });
    const id = await s.call();
    await s.toVoicemail(id);
    const result = await s.exported(id);
    assert.deepEqual([result.assignee, result.method], ['u-ana', 'favorite_agent']);
    assert.deepEqual(result.attempts, [
      'voicemail_email:shared@acme.com:null',
      'contact_owner:null:null',
      'favorite_agent:ana@acme.com:u-ana',
    ]);
  });

  test('6, 7. no owner support, unknown voicemail email, no favourite → the installer; without one, nobody', async () => {
    const s = await setup({ voicemailEmail: 'shared@acme.com' });
    const id = await s.call();
    await s.toVoicemail(id);
    const six = await s.exported(id);
    assert.deepEqual([six.assignee, six.method], ['u-installer', 'integration_fallback']);

    const bare = await setup({ voicemailEmail: 'shared@acme.com', integration: { installerUserId: null } });
    const other = await bare.call();
    await bare.toVoicemail(other);
    const seven = await bare.exported(other);
    assert.deepEqual([seven.assignee, seven.method], [null, 'integration_fallback']);
    assert.equal(seven.record.status, 'delivered');
  });

  test('8. Cy (no CRM user) answers → the chain runs: Cy resolves to nobody, the next methods apply', async () => {
    const s = await setup();
    await s.available('Cy');
    const id = await s.call();
    await h.clock.advance(20_000);
    await offered(s, 'Cy');
    const cy = s.agents.Cy.client;
    assert.equal((await cy.request({ type: 'accept', interactionId: id })).ok, true);
    await cy.request({ type: 'end', interactionId: id });
    await cy.request({ type: 'complete', interactionId: id });
    const result = await s.exported(id);
    assert.equal(result.record.call.outcome, 'answered');
    assert.deepEqual(result.attempts[0], 'last_step_agent:cy@acme.com:null');
    assert.deepEqual([result.assignee, result.method], ['u-installer', 'integration_fallback']);
  });

  test('10. not automatic: a configured user takes every missed call; "unassigned" leaves it to nobody', async () => {
    const s = await setup({ integration: { assignMissedCallsTo: { user: 'u-bo' } } });
    await s.available('Ana');
    const id = await s.call();
    await offered(s, 'Ana');
    await s.hangUp(id);
    const configured = await s.exported(id);
    assert.deepEqual([configured.assignee, configured.method], ['u-bo', 'configured_user']);

    const none = await setup({ integration: { assignMissedCallsTo: 'unassigned' } });
    const other = await none.call();
    await none.hangUp(other);
    const unassigned = await none.exported(other);
    assert.deepEqual([unassigned.assignee, unassigned.method], [null, 'configured_user']);
  });

  test('11. an explicit mapping (Cy → u-bo) beats email equality: Cy’s answered call is u-bo’s', async () => {
    const s = await setup({ integration: { userMappings: [] } });
    const integration = (await h.call('GET', `${s.base}/integrations`)).body.result[0];
    await h.call('PUT', `${s.base}/integrations/${integration.id}`, {
      body: { userMappings: [{ agentId: 'cy@acme.com', integrationUserId: 'u-bo' }] },
    });
    await s.available('Cy');
    const id = await s.call();
    await h.clock.advance(20_000);
    await offered(s, 'Cy');
    const cy = s.agents.Cy.client;
    await cy.request({ type: 'accept', interactionId: id });
    await cy.request({ type: 'end', interactionId: id });
    await cy.request({ type: 'complete', interactionId: id });
    const result = await s.exported(id);
    // Answered by an agent the CRM knows (through the mapping): theirs directly (see docs/missed-calls.md).
    assert.deepEqual([result.assignee, result.method], ['u-bo', 'direct']);
  });

  test('12. priority: last-step agent Ana, owner Bo, favourite Bo → Ana, and only method 1 is tried', async () => {
    const s = await setup({ hubspot: true });
    hubspot.contacts.push({ id: '503', phone: caller, ownerId: 'u-bo' });
    await make(h, `${s.base}/contacts`, { phoneNumbers: [caller], favoriteAgentId: 'bo@acme.com' });
    await s.available('Ana');
    const id = await s.call();
    await offered(s, 'Ana');
    await s.hangUp(id);
    const result = await s.exported(id);
    assert.deepEqual([result.assignee, result.method], ['u-ana', 'last_step_agent']);
    assert.deepEqual(result.attempts, ['last_step_agent:ana@acme.com:u-ana']);
  });

  test('13. hung up in the welcome step: no agent-bearing step → the contact owner onwards', async () => {
    const s = await setup({ hubspot: true });
    hubspot.contacts.push({ id: '504', phone: caller, ownerId: 'u-bo' });
    const id = await s.call(false);
    await s.hangUp(id);
    const result = await s.exported(id);
    assert.deepEqual(result.attempts, ['last_step_agent:null:null', 'contact_owner:u-bo:u-bo']);
    assert.deepEqual([result.assignee, result.method], ['u-bo', 'contact_owner']);
  });

  test('14. an outbound call nobody answers is not a missed incoming call: the dialling agent’s, else the chain', async () => {
    const s = await setup({ hubspot: true });
    const customer = '+15065550111';
    hubspot.contacts.push({ id: '505', phone: customer, ownerId: 'u-bo' });
    const dial = async (name: string) => {
      const placed = await h.call('POST', `${s.base}/outbound-calls`, { body: { agentId: s.agents[name].id, to: customer } });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      const id = placed.body.result.id as string;
      const ended = await h.call('POST', `${s.base}/interactions/${id}/call-status`, { body: { status: 'no-answer' } });
      assert.equal(ended.body.result.state, 'completed');
      return id;
    };
    // Ana is a CRM user: hers, though the contact is Bo's.
    const byAna = await s.exported(await dial('Ana'));
    assert.deepEqual([byAna.assignee, byAna.method, byAna.attempts], ['u-ana', 'direct', []]);
    assert.deepEqual([byAna.record.call.direction, byAna.record.call.outcome], ['agent-initiated', 'missed']);
    const logged = hubspot.calls.find((c) => c.id === byAna.record.externalId);
    assert.equal(logged?.properties.hs_call_direction, 'OUTBOUND');
    assert.equal(logged?.properties.hs_call_status, 'NO_ANSWER');
    // Cy is not: the chain runs as for a call with no agent-bearing step.
    const byCy = await s.exported(await dial('Cy'));
    assert.deepEqual([byCy.assignee, byCy.method], ['u-bo', 'contact_owner']);
  });
});

describe('delivery to HubSpot', () => {
  test('HubSpot unavailable: the export is retried until it goes; a wrong token fails it with HubSpot’s answer', async () => {
    const s = await setup({ hubspot: true });
    hubspot.failWith = 503;
    const id = await s.call(false);
    await s.hangUp(id);
    const waiting = await eventually(async () => {
      const listed = (await h.call('GET', `${s.base}/exports?interactionId=${id}`)).body.result[0];
      return listed?.attempts === 1 ? listed : null;
    });
    assert.equal(waiting.status, 'pending');
    assert.match(waiting.lastError, /503/);
    hubspot.failWith = null;
    await h.clock.advance(2_000);
    const result = await s.exported(id);
    assert.equal(result.record.attempts, 2);
    assert.ok(hubspot.calls.some((c) => c.id === result.record.externalId));

    const integration = (await h.call('GET', `${s.base}/integrations`)).body.result[0];
    const update = await h.call('PUT', `${s.base}/integrations/${integration.id}`, {
      body: { callExport: { format: 'hubspot', url: hubspot.url, accessToken: 'revoked' } },
    });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    const later = await s.call(false);
    await s.hangUp(later);
    const failed = await eventually(async () => {
      const listed = (await h.call('GET', `${s.base}/exports?interactionId=${later}`)).body.result[0];
      return listed?.status === 'failed' ? listed : null;
    });
    assert.match(failed.lastError, /401.*Authentication credentials not found/);
  });
});

describe('voicemail as work', () => {
  test('a voicemail step’s recording becomes work in the queue, offered and handled like any work', async () => {
    const s = await setup();
    const id = await s.call();
    await s.toVoicemail(id);
    const call = await eventually(async () => {
      const read = (await h.call('GET', `${s.base}/interactions/${id}`)).body.result;
      return read.state === 'voicemail' ? read : null;
    });
    assert.equal(call.awaitedVoicemail.notificationEmail, 'bo@acme.com');

    const bad = await h.call('POST', `${s.base}/interactions/${id}/voicemail`, { body: { recordingUrl: 'ftp://x/vm.wav' } });
    assert.deepEqual([bad.status, bad.body.errors[0].code], [400, 'INVALID_URL']);
    const recording = { recordingUrl: 'https://recordings.example.com/vm-1.mp3', durationSeconds: 42 };
    const made = await h.call('POST', `${s.base}/interactions/${id}/voicemail`, { body: recording });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const work = made.body.result;
    assert.equal(work.channelType, 'work-item');
    assert.equal(work.state, 'queued');
    assert.equal(work.parentInteractionId, id);
    assert.equal(work.placement.queueSource, 'voicemail');
    assert.deepEqual(work.voicemail, { callId: id, ...recording });
    // The voicemail is due when the call was: its waiting time runs from the call.
    assert.equal(work.dueAt, call.placement.dueAt);
    const again = await h.call('POST', `${s.base}/interactions/${id}/voicemail`, { body: recording });
    assert.deepEqual([again.status, again.body.result.id], [200, work.id]);
    const recorded = (await h.call('GET', `${s.base}/interactions/${id}`)).body.result;
    assert.equal(recorded.awaitedVoicemail, null);
    assert.ok(recorded.events.some((e: Json) => e.type === 'voicemail.recorded' && e.data.workId === work.id));

    // The step's email gets it once, through a real SMTP server, and the call says so.
    const mail = await eventually(async () => smtp.messages.find((m) => m.to.includes('bo@acme.com')));
    assert.match(mail.data, /^Subject: Voicemail from \+15065550000 \(42 s\)$/m);
    assert.match(mail.data, /Listen: https:\/\/recordings\.example\.com\/vm-1\.mp3/);
    assert.equal(mail.from, 'switchboard@acme.com');
    await eventually(async () => {
      const read = (await h.call('GET', `${s.base}/interactions/${id}`)).body.result;
      return read.events.some((e: Json) => e.type === 'email.sent' && e.data.to === 'bo@acme.com');
    });
    assert.equal(smtp.messages.filter((m) => m.to.includes('bo@acme.com')).length, 1);

    // Bo comes back: offered the voicemail, listens (the URL), completes it.
    await s.available('Bo');
    const offer = await s.agents.Bo.client.next('offer');
    assert.equal(offer.interaction.id, work.id);
    const bo = s.agents.Bo.client;
    assert.equal((await bo.request({ type: 'accept', interactionId: work.id })).ok, true);
    const held = (await h.call('GET', `${s.base}/interactions/${work.id}`)).body.result;
    assert.equal(held.voicemail.recordingUrl, recording.recordingUrl);
    assert.equal((await bo.request({ type: 'end', interactionId: work.id })).ok, true);
    assert.equal((await bo.request({ type: 'complete', interactionId: work.id })).ok, true);
    assert.equal((await h.call('GET', `${s.base}/interactions/${work.id}`)).body.result.state, 'completed');

    // A call that took no voicemail has none to report.
    const answered = await s.call(false);
    const none = await h.call('POST', `${s.base}/interactions/${answered}/voicemail`, { body: recording });
    assert.deepEqual([none.status, none.body.errors[0].code], [409, 'VOICEMAIL_NOT_AWAITED']);
  });
});
