import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually, type HttpReceiver, type Received, sendJson, startHttpReceiver } from '../support/http-receiver.js';

// Finished calls exported to a signed HTTP receiver (seed 004): the call driven over HTTP and the agents'
// WebSockets, the export checked where it lands — a real server on loopback that verifies the signature.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const secret = 'export-secret-0123456789';
let h: Harness;
let url: string;
let receiver: HttpReceiver;
let answer = 200;
const clients: AgentClient[] = [];

/** The signature check a receiver does: HMAC-SHA256 of "<t>.<body>" with the shared secret. */
function verified(request: Received): Json {
  const header = String(request.headers['switchboard-signature'] ?? '');
  const [t, v1] = header.split(',').map((part) => part.split('=')[1]);
  const expected = createHmac('sha256', secret).update(`${t}.${request.body}`).digest('hex');
  assert.equal(v1, expected, 'the export is signed with the integration secret');
  return JSON.parse(request.body);
}

before(async () => {
  h = await startHarness();
  url = await h.listen();
  receiver = await startHttpReceiver((_request, response) => sendJson(response, answer, {}));
});
after(async () => {
  for (const client of clients) await client.close();
  await receiver.close();
  await h.close();
});
beforeEach(async () => {
  answer = 200;
  await h.clock.set('2026-03-02T10:00:00.000Z');
});

/** The contract's fixtures (4(b)): CRM users u-ana, u-bo, u-installer; agents Ana, Bo (CRM users) and Cy. */
async function setup(flowSteps: Json[], integration: Json = {}) {
  const t = await createTenant(h, { timeZone: 'UTC', allowPrivateNetworkRequests: true });
  const sales = await make(h, `${t.base}/queues`, { name: 'Sales' });
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: sales.id });
  await make(h, `${t.base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const flow = await make(h, `${t.base}/flows`, { name: 'N', definition: { start: flowSteps[0].id, steps: flowSteps } });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const crm = await make(h, `${t.base}/integrations`, {
    name: 'crm1',
    type: 'crm',
    users: [
      { id: 'u-ana', email: 'ana@acme.com' },
      { id: 'u-bo', email: 'bo@acme.com' },
      { id: 'u-installer', email: 'admin@acme.com' },
    ],
    installerUserId: 'u-installer',
    callExport: { format: 'signed-http', url: `${receiver.url}/calls`, secret },
    ...integration,
  });
  async function agent(name: string, presence = 'available') {
    const created = await make(h, `${t.base}/agents`, { name, email: `${name.toLowerCase()}@acme.com`, queueIds: [sales.id] });
    const token = (await make(h, `${t.base}/agents/${created.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    await client.next('hello');
    if (presence !== 'offline') {
      await client.request({ type: 'presence', status: presence });
      await client.next('presence');
    }
    return { ...created, client };
  }
  async function call() {
    const response = await h.call('POST', `${t.base}/interactions`, {
      body: { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550000' },
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.result;
  }
  /** The call's export once delivered, as the API lists it and as the receiver got it. */
  async function delivered(interactionId: string) {
    const listed = await eventually(async () => {
      const response = await h.call('GET', `${t.base}/exports?interactionId=${interactionId}`);
      const first = response.body.result[0];
      return first && first.status !== 'pending' ? first : null;
    });
    const landed = receiver.received.find((r) => JSON.parse(r.body).interactionId === interactionId);
    return { listed, landed: landed ? verified(landed) : null, request: landed };
  }
  return { ...t, sales, crm, agent, call, delivered };
}

const queueStep = { id: 'sales', type: 'routeToQueue', queue: 'Sales' };

describe('call exports to a signed HTTP receiver', () => {
  test('2: missed in a queue step — the last agent offered the call (Bo) is assigned', async () => {
    const s = await setup([queueStep]);
    const bo = await s.agent('Bo');
    const created = await s.call();
    await bo.client.next('offer');
    await h.clock.advance(30_000);
    await bo.client.next('offer.expired');
    const hangUp = await h.call('POST', `${s.base}/interactions/${created.id}/abandon`, {});
    assert.equal(hangUp.body.result.state, 'abandoned');

    const { listed, landed, request } = await s.delivered(created.id);
    assert.equal(listed.status, 'delivered');
    assert.equal(listed.attempts, 1);
    assert.deepEqual([listed.assignment.assigneeIntegrationUserId, listed.assignment.method], ['u-bo', 'last_step_agent']);
    assert.equal(request?.url, '/calls');
    assert.equal(request?.headers['idempotency-key'], listed.id);
    assert.equal(landed.call.outcome, 'missed');
    assert.equal(landed.call.customer, '+15065550000');
    assert.deepEqual(landed.assignment, listed.assignment);
    assert.equal(landed.status, undefined, 'the delivery bookkeeping stays home');
  });

  test('9: answered by a CRM user — assigned directly, once, after wrap-up', async () => {
    const s = await setup([queueStep]);
    const ana = await s.agent('Ana');
    const created = await s.call();
    await ana.client.next('offer');
    assert.equal((await ana.client.request({ type: 'accept', interactionId: created.id })).ok, true);
    await h.clock.advance(65_000);
    assert.equal((await ana.client.request({ type: 'end', interactionId: created.id })).ok, true);
    const listedWhileWrapping = await h.call('GET', `${s.base}/exports?interactionId=${created.id}`);
    assert.deepEqual(listedWhileWrapping.body.result, [], 'no export before the call is completed');
    assert.equal((await ana.client.request({ type: 'complete', interactionId: created.id })).ok, true);

    const { listed, landed } = await s.delivered(created.id);
    assert.deepEqual([listed.assignment.assigneeIntegrationUserId, listed.assignment.method], ['u-ana', 'direct']);
    assert.deepEqual(listed.assignment.attempts, []);
    assert.equal(landed.call.outcome, 'answered');
    assert.equal(landed.call.talkSeconds, 65);
    assert.equal(landed.call.agentId, ana.id);
    const all = await h.call('GET', `${s.base}/exports?interactionId=${created.id}`);
    assert.equal(all.body.result.length, 1);
  });

  test('a refusing receiver fails the export with its answer; a 5xx is retried until it goes', async () => {
    const s = await setup([queueStep]);
    answer = 400;
    const refused = await s.call();
    await h.call('POST', `${s.base}/interactions/${refused.id}/abandon`, {});
    const failed = await s.delivered(refused.id);
    assert.equal(failed.listed.status, 'failed');
    assert.match(failed.listed.lastError, /400/);

    answer = 503;
    const later = await s.call();
    await h.call('POST', `${s.base}/interactions/${later.id}/abandon`, {});
    const retried = await eventually(async () => {
      const response = await h.call('GET', `${s.base}/exports?interactionId=${later.id}`);
      return response.body.result[0]?.attempts === 1 ? response.body.result[0] : null;
    });
    assert.equal(retried.status, 'pending');
    assert.match(retried.lastError, /503/);
    answer = 200;
    await h.clock.advance(2_000);
    const { listed } = await s.delivered(later.id);
    assert.equal(listed.status, 'delivered');
    assert.equal(listed.attempts, 2);
    assert.equal(listed.lastError, null);
  });

  test('the export secret is write-only, and another tenant cannot read the exports', async () => {
    const s = await setup([queueStep]);
    const read = await h.call('GET', `${s.base}/integrations/${s.crm.id}`);
    assert.deepEqual(read.body.result.callExport, { format: 'signed-http', url: `${receiver.url}/calls` });
    assert.doesNotMatch(JSON.stringify(read.body), new RegExp(secret));
    const missing = await h.call('PUT', `${s.base}/integrations/${s.crm.id}`, {
      body: { callExport: { format: 'hubspot', url: receiver.url } },
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errors[0].code, 'REQUIRED');
    assert.equal(missing.body.errors[0].field, 'callExport/accessToken');

    const created = await s.call();
    await h.call('POST', `${s.base}/interactions/${created.id}/abandon`, {});
    const { listed } = await s.delivered(created.id);
    const other = await createTenant(h, { name: 'Other' });
    assert.equal((await h.call('GET', `${other.base}/exports/${listed.id}`)).status, 404);
    assert.deepEqual((await h.call('GET', `${other.base}/exports`)).body.result, []);
    assert.equal((await h.call('GET', `${s.base}/exports/${listed.id}`)).body.result.id, listed.id);
  });
});
