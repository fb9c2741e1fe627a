import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { type GraphStandIn, postSigned, startGraphStandIn } from '../support/graph-stand-in.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';

// Messenger end to end: a Page's signed webhook events in, the Send API (the Graph stand-in on loopback,
// checking the page token) out, an agent over the WebSocket in between.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const pageAccessToken = 'EAAB-page-token';
const appSecret = 'messenger-app-secret';
const verifyToken = 'messenger-verify';
const pageId = '1067280970047460';

let h: Harness;
let url: string;
let graph: GraphStandIn;
const clients: AgentClient[] = [];
let sequence = 0;

before(async () => {
  h = await startHarness();
  url = await h.listen();
  graph = await startGraphStandIn(pageAccessToken);
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
  await graph.close();
});

/** A Page webhook body with messaging events, as Meta posts it. */
function page(events: Json[]): Json {
  return { object: 'page', entry: [{ id: pageId, time: Date.parse(h.clock.now()), messaging: events }] };
}

async function setup(queueFields: Json = {}) {
  const n = ++sequence;
  const t = await createTenant(h, { allowPrivateNetworkRequests: true });
  const queue = await make(h, `${t.base}/queues`, { name: 'Support', ...queueFields });
  const channel = await make(h, `${t.base}/channels`, {
    name: 'Messenger',
    type: 'messaging',
    medium: 'facebook',
    defaultQueueId: queue.id,
  });
  await make(h, `${t.base}/entry-points`, { channelId: channel.id, address: pageId });
  const flow = await make(h, `${t.base}/flows`, {
    name: 'Route',
    definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
  });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const configured = await h.call('PUT', `${t.base}/channels/${channel.id}/provider`, {
    body: {
      type: 'messenger',
      settings: { apiBaseUrl: graph.apiBaseUrl, pageId },
      credentials: { pageAccessToken, appSecret, verifyToken },
    },
  });
  assert.equal(configured.status, 200, JSON.stringify(configured.body));
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: `ada${n}@example.com`, queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, t.id, token);
  clients.push(client);
  await client.next('hello');
  assert.equal((await client.request({ type: 'presence', status: 'available' })).ok, true);
  const webhook = `${url}/providers/messenger/${t.id}/${channel.id}`;
  // A page-scoped id: digits, and not a phone number.
  const psid = `2457${String(100000000000 + n)}`;
  const write = (mid: string, text: string) =>
    postSigned(
      webhook,
      appSecret,
      page([{ sender: { id: psid }, recipient: { id: pageId }, timestamp: Date.parse(h.clock.now()), message: { mid, text } }]),
    );
  return { t, queue, channel, client, token, webhook, psid, write };
}

describe('Messenger', () => {
  test('a customer writes to the Page, an agent answers, Meta reports delivery and reading', async () => {
    const s = await setup();
    const challenge = await fetch(`${s.webhook}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=42`);
    assert.deepEqual([challenge.status, await challenge.text()], [200, '42']);
    assert.equal((await s.write('m_IN1', 'Hi, is the store open on Sunday?')).status, 200);
    const offer = await s.client.next('offer');
    const id = offer.interaction.id as string;
    assert.deepEqual(
      [offer.interaction.medium, offer.interaction.customer, offer.interaction.contactPoint],
      ['facebook', s.psid, pageId],
    );
    await s.client.request({ type: 'accept', interactionId: id });
    const before = graph.sent.length;
    const reply = await s.client.request({ type: 'send', interactionId: id, text: 'Yes, from 10 to 4.' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    const sent = await eventually(async () => (graph.sent.length === before + 1 ? graph.sent.slice(before) : null));
    assert.deepEqual(sent[0]?.body, {
      recipient: { id: s.psid },
      messaging_type: 'RESPONSE',
      message: { text: 'Yes, from 10 to 4.' },
    });
    const status = await s.client.next('message.status');
    assert.equal(status.status, 'sent');
    // Delivery names the message; reading is a watermark over the conversation.
    const at = Date.parse(h.clock.now()) + 1000;
    const receipts = page([
      { sender: { id: s.psid }, recipient: { id: pageId }, delivery: { mids: [status.externalId], watermark: at } },
      { sender: { id: s.psid }, recipient: { id: pageId }, read: { watermark: at } },
    ]);
    assert.equal((await postSigned(s.webhook, appSecret, receipts)).status, 200);
    const messages = (await h.call('GET', `${s.t.base}/interactions/${id}/messages`)).body.result;
    assert.deepEqual(
      messages.map((m: Json) => [m.direction, m.status]),
      [
        ['inbound', 'received'],
        ['outbound', 'read'],
      ],
    );
    // Text and an attachment go as two messages on Messenger; templates are WhatsApp's.
    const both = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, {
      token: s.token,
      body: { text: 'See the map', attachments: [{ url: 'https://example.com/map.png', contentType: 'image/png' }] },
    });
    assert.equal(both.status, 400);
    const image = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, {
      token: s.token,
      body: { attachments: [{ url: 'https://example.com/map.png', contentType: 'image/png' }] },
    });
    assert.equal(image.status, 201, JSON.stringify(image.body));
    const media = await eventually(async () => (graph.sent.length === before + 2 ? graph.sent.slice(before) : null));
    assert.deepEqual(media[1]?.body.message, {
      attachment: { type: 'image', payload: { url: 'https://example.com/map.png', is_reusable: true } },
    });
    // Echoes of the page's own messages are not customer messages; a bad signature or another page is refused.
    const echo = page([
      { sender: { id: pageId }, recipient: { id: s.psid }, message: { mid: 'm_ECHO', text: 'x', is_echo: true } },
    ]);
    assert.equal((await postSigned(s.webhook, appSecret, echo)).status, 200);
    const stored = (await h.call('GET', `${s.t.base}/interactions/${id}/messages`)).body.result;
    assert.ok(!stored.some((m: Json) => m.externalId === 'm_ECHO'));
    const otherPage = page([{ sender: { id: s.psid }, recipient: { id: '999' }, message: { mid: 'm_OTHER', text: 'x' } }]);
    assert.equal((await postSigned(s.webhook, appSecret, otherPage)).status, 404);
    assert.equal((await postSigned(s.webhook, 'not-the-secret', page([]))).status, 401);
  });

  test('after 24 hours an agent still answers, tagged HUMAN_AGENT; after 7 days nobody can', async () => {
    const s = await setup({ routing: { maxConnectedMinutes: 43_200 } });
    await s.client.request({ type: 'presence', status: 'away', reason: 'break' });
    assert.equal((await s.write('m_LATE', 'Can someone call me back?')).status, 200);
    // Two days later an agent takes the conversation from the queue.
    await h.clock.advance(48 * 3_600_000);
    await s.client.request({ type: 'presence', status: 'available' });
    const id = (await s.client.next('offer')).interaction.id as string;
    assert.equal((await s.client.request({ type: 'accept', interactionId: id })).ok, true);
    const automated = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, { body: { text: 'Automated note' } });
    assert.equal(automated.body.errors?.[0]?.code, 'MESSAGING_WINDOW_CLOSED');
    const before = graph.sent.length;
    const reply = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, {
      token: s.token,
      body: { text: 'Sorry for the wait.' },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    const sent = await eventually(async () => (graph.sent.length === before + 1 ? graph.sent.slice(before) : null));
    assert.deepEqual([sent[0]?.body.messaging_type, sent[0]?.body.tag], ['MESSAGE_TAG', 'HUMAN_AGENT']);
    await h.clock.advance(6 * 24 * 3_600_000);
    const tooLate = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, { token: s.token, body: { text: 'Hello?' } });
    assert.equal(tooLate.body.errors?.[0]?.code, 'MESSAGING_WINDOW_CLOSED');
  });
});
