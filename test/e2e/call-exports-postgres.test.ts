import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connectAgent } from '../support/agent-client.js';
import { createTenant, make, routedVoiceQueue } from '../support/harness.js';
import { eventually, sendJson, startHttpReceiver } from '../support/http-receiver.js';
import { usePostgresHarness } from '../support/postgres-harness.js';

// Call exports on the production store: one export per call and integration, delivered once, with the
// assignment chain's answer — on PostgreSQL.

const pg = await usePostgresHarness('sb_exports');
const { skip, clients } = pg;
const receiver = await startHttpReceiver((_request, response) => sendJson(response, 200, {}));
after(() => receiver.close());

test('a missed and an answered call exported once each on PostgreSQL', { skip }, async () => {
  const { h, url } = pg;
  const t = await createTenant(h, { allowPrivateNetworkRequests: true });
  const { queue } = await routedVoiceQueue(h, t.base, {});
  await make(h, `${t.base}/integrations`, {
    name: 'CRM',
    type: 'crm',
    users: [{ id: 'u-ada', email: 'ada@example.com' }],
    callExport: { format: 'signed-http', url: receiver.url, secret: 'a-secret-of-16-chars-or-more' },
  });
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const ada = await connectAgent(url, t.id, token);
  clients.push(ada);
  await ada.next('hello');
  const call = async () =>
    (
      await h.call('POST', `${t.base}/interactions`, {
        body: { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550001' },
      })
    ).body.result.id as string;
  const delivered = (id: string) =>
    eventually(async () => {
      const listed = (await h.call('GET', `${t.base}/exports?interactionId=${id}`)).body.result;
      return listed.length > 0 && listed.every((e: { status: string }) => e.status === 'delivered') ? listed : null;
    });

  const missed = await call();
  await h.call('POST', `${t.base}/interactions/${missed}/abandon`, {});
  const [missedExport] = await delivered(missed);
  assert.equal(missedExport.call.outcome, 'missed');
  assert.equal(missedExport.assignment.method, 'integration_fallback');

  await ada.request({ type: 'presence', status: 'available' });
  const answered = await call();
  await ada.next('offer');
  await ada.request({ type: 'accept', interactionId: answered });
  await ada.request({ type: 'end', interactionId: answered });
  await ada.request({ type: 'complete', interactionId: answered });
  const exports = await delivered(answered);
  assert.equal(exports.length, 1);
  assert.deepEqual([exports[0].assignment.assigneeIntegrationUserId, exports[0].assignment.method], ['u-ada', 'direct']);
  assert.equal(receiver.received.length, 2);
});
