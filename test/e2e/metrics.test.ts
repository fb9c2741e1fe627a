import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';

// GET /metrics in the Prometheus text format: what happened (counters, histograms) and what is
// waiting now (gauges read at scrape time), for the admin only.

let h: Harness;
let url: string;
before(async () => {
  h = await startHarness();
  url = await h.listen();
});
after(() => h.close());

/** The value of one sample line, e.g. sample(text, 'switchboard_offers_total{outcome="created"}'). */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

test('metrics count interactions and offers, show queue depth, oldest wait, open work and webhook backlog', async () => {
  const t = await createTenant(h, { timeZone: 'UTC' });
  const { queue } = await routedVoiceQueue(h, t.base, { routing: { wrapUpSeconds: 0 } });
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  await make(h, `${t.base}/webhooks`, { url: 'http://127.0.0.1:1/hooks', active: true });
  const call = (customer: string) =>
    h.call('POST', `${t.base}/interactions`, { body: { channelType: 'voice', contactPoint: '+18005555565', customer } });
  await call('+15065550001');
  await call('+15065550002');
  await h.clock.advance(30_000);
  const client = await connectAgent(url, t.id, token);
  await client.next('hello');
  await client.request({ type: 'presence', status: 'available' });
  const offer = await client.next('offer');
  await client.request({ type: 'accept', interactionId: offer.interaction.id });

  const response = await h.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: 'Bearer sba_test-admin-token' },
  });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /text\/plain/);
  const text = response.body;
  assert.ok((sample(text, 'switchboard_interactions_created_total{channel="voice"}') ?? 0) >= 2);
  assert.ok((sample(text, 'switchboard_offers_total{outcome="created"}') ?? 0) >= 1);
  assert.ok((sample(text, 'switchboard_offers_total{outcome="accepted"}') ?? 0) >= 1);
  assert.equal(sample(text, `switchboard_queue_waiting{tenant="${t.id}",queue="${queue.id}"}`), 1);
  assert.equal(sample(text, `switchboard_queue_oldest_wait_seconds{tenant="${t.id}",queue="${queue.id}"}`), 30);
  assert.ok((sample(text, 'switchboard_interactions{state="connected"}') ?? 0) >= 1);
  assert.match(text, /switchboard_routing_decision_seconds_bucket\{le="0\.001"\} \d+/);
  assert.match(text, /switchboard_store_commit_seconds_count \d+/);
  assert.match(text, new RegExp(`switchboard_webhook_backlog_events\\{tenant="${t.id}",webhook="[^"]+"\\} \\d+`));
  assert.match(text, /switchboard_nodejs_eventloop_lag_seconds \d/);
  await client.close();
});

test('/metrics is for the admin: a tenant key is refused, no credential is 401', async () => {
  const t = await createTenant(h);
  const key = (await make(h, `${t.base}/api-keys`, {})).key as string;
  assert.equal((await h.call('GET', '/metrics', { token: key })).status, 403);
  assert.equal((await h.call('GET', '/metrics', { token: null })).status, 401);
});
