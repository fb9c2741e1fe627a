import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectAgent } from '../support/agent-client.js';
import { createTenant, make } from '../support/harness.js';
import { usePostgresHarness } from '../support/postgres-harness.js';
import { makeCallCenter, mintToken, rsaKeyPair, scv } from '../support/scv.js';

// The telephony API on the production store: a provider's call routed to a WebSocket agent, a
// replayed token refused, clearRouting, on PostgreSQL.

const pg = await usePostgresHarness('sb_telephony');
const { skip, clients } = pg;

test('create → omniFlow by vendor key → offered and accepted over WebSocket → clearRouting, on PostgreSQL', {
  skip,
}, async () => {
  const { h, url } = pg;
  const keys = rsaKeyPair();
  const t = await createTenant(h);
  const queue = await make(h, `${t.base}/queues`, { name: 'Billing', devName: 'Billing' });
  const phones = await make(h, `${t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: queue.id });
  const flow = await make(h, `${t.base}/flows`, {
    name: 'Route',
    definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue', queue: 'Billing' }] },
  });
  await make(h, `${t.base}/entry-points`, {
    channelId: phones.id,
    address: '+18445791189',
    flowId: flow.id,
    fallbackQueueId: queue.id,
  });
  const cc = await makeCallCenter(h, t, { orgId: '00DPG', apiName: 'pgcenter', keys });
  await make(h, `${t.base}/call-centers/${cc.id}/routing-maps`, {
    referenceType: 'queue',
    referenceId: 'Billing',
    externalId: 'arn:q/billing',
  });
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
  const client = await connectAgent(url, t.id, (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token);
  clients.push(client);
  await client.next('hello');
  assert.equal((await client.request({ type: 'presence', status: 'available' })).ok, true);

  const now = Math.floor(Date.parse(h.clock.now()) / 1000);
  const token = (jti?: string) =>
    mintToken(keys.privateKey, { orgId: '00DPG', apiName: 'pgcenter', now, ...(jti ? { jti } : {}) });
  const created = await scv(h, 'POST', '/voiceCalls', {
    token: token(),
    body: {
      callCenterApiName: 'pgcenter',
      vendorCallKey: 'pg-contact-1',
      to: '+18445791189',
      from: '+15065550100',
      initiationMethod: 'Inbound',
      startTime: h.clock.now(),
    },
  });
  assert.equal(created.status, 200, created.text);
  const once = token('pg-jti-1');
  const routed = await scv(h, 'PATCH', '/voiceCalls/pg-contact-1/omniFlow', {
    token: once,
    body: { dialedNumber: '+18445791189' },
  });
  assert.equal(routed.status, 200, routed.text);
  assert.deepEqual(routed.json, { queue: 'arn:q/billing' });
  const replay = await scv(h, 'PATCH', '/voiceCalls/pg-contact-1/clearRouting', { token: once });
  assert.equal(replay.status, 401);

  const offer = await client.next('offer');
  assert.equal(offer.interaction.id, created.json.voiceCallId);
  assert.equal((await client.request({ type: 'accept', interactionId: offer.interaction.id })).ok, true);
  const answered = (await h.call('GET', `${t.base}/interactions/${offer.interaction.id}`)).body.result;
  assert.equal(answered.state, 'connected');
  assert.equal(answered.voiceCall.pendingRouting, null);
  assert.equal((await scv(h, 'PATCH', '/voiceCalls/pg-contact-1/clearRouting', { token: token() })).status, 200);
});
