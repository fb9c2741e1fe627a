import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { type GraphStandIn, notification, postSigned, startGraphStandIn, textMessage } from '../support/graph-stand-in.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';

// WhatsApp Cloud API end to end: Meta's webhooks (signed) in, the Graph API (a stand-in on loopback that
// checks the bearer token and answers message ids) out, an agent over the WebSocket in between.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const accessToken = 'EAAG-test-access-token';
const appSecret = 'app-secret-of-the-meta-app';
const verifyToken = 'switchboard-verify';
const phoneNumberId = '106540352242922';

let h: Harness;
let url: string;
let graph: GraphStandIn;
const clients: AgentClient[] = [];
let sequence = 0;

before(async () => {
  h = await startHarness();
  url = await h.listen();
  graph = await startGraphStandIn(accessToken);
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
  await graph.close();
});

async function setup(definition: Json = { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] }) {
  const n = ++sequence;
  // Answers scripted by a test that failed half-way are not left to the next one.
  graph.script.length = 0;
  const t = await createTenant(h, { timeZone: 'UTC', allowPrivateNetworkRequests: true });
  const queue = await make(h, `${t.base}/queues`, { name: 'Support' });
  const channel = await make(h, `${t.base}/channels`, {
    name: 'WhatsApp',
    type: 'messaging',
    medium: 'whatsapp',
    defaultQueueId: queue.id,
  });
  await make(h, `${t.base}/entry-points`, { channelId: channel.id, address: '+18005550100' });
  const flow = await make(h, `${t.base}/flows`, { name: 'Route', definition });
  await make(h, `${t.base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const configured = await h.call('PUT', `${t.base}/channels/${channel.id}/provider`, {
    body: {
      type: 'whatsapp',
      settings: { apiBaseUrl: graph.apiBaseUrl, phoneNumbers: [{ id: phoneNumberId, address: '(800) 555-0100' }] },
      credentials: { accessToken, appSecret, verifyToken },
    },
  });
  assert.equal(configured.status, 200, JSON.stringify(configured.body));
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: `ada${n}@example.com`, queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, t.id, token);
  clients.push(client);
  await client.next('hello');
  const webhook = `${url}/providers/whatsapp/${t.id}/${channel.id}`;
  const customer = `1506555${String(1000 + n).slice(-4)}`;
  /** A customer's message, posted as Meta posts it. */
  const write = (id: string, text: string) =>
    postSigned(webhook, appSecret, notification(phoneNumberId, textMessage(customer, id, text, h.clock.now())));
  const status = (id: string, value: string, extra: Json = {}) =>
    postSigned(
      webhook,
      appSecret,
      notification(phoneNumberId, {
        statuses: [
          {
            id,
            status: value,
            timestamp: String(Math.floor(Date.parse(h.clock.now()) / 1000)),
            recipient_id: customer,
            ...extra,
          },
        ],
      }),
    );
  const messages = async (interactionId: string) =>
    (await h.call('GET', `${t.base}/interactions/${interactionId}/messages`)).body.result as Json[];
  return { t, queue, channel, agent, token, client, webhook, customer, write, status, messages };
}

/** The customer writes, the agent takes the conversation. */
async function conversation(s: Awaited<ReturnType<typeof setup>>, first = 'Hello, my order is late') {
  assert.equal((await s.client.request({ type: 'presence', status: 'available' })).ok, true);
  const posted = await s.write(`wamid.IN${++sequence}`, first);
  assert.equal(posted.status, 200, posted.text);
  const offer = await s.client.next('offer');
  const id = offer.interaction.id as string;
  assert.equal((await s.client.request({ type: 'accept', interactionId: id })).ok, true);
  return id;
}

describe('WhatsApp Cloud API', () => {
  test('the provider is configured on the channel; its credentials are write-only', async () => {
    const s = await setup();
    const shown = await h.call('GET', `${s.t.base}/channels/${s.channel.id}/provider`);
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.result.credentials, ['accessToken', 'appSecret', 'verifyToken']);
    assert.deepEqual(shown.body.result.settings.phoneNumbers, [{ id: phoneNumberId, address: '+18005550100' }]);
    for (const path of [`/channels/${s.channel.id}/provider`, `/channels/${s.channel.id}`, '/channels']) {
      const text = JSON.stringify((await h.call('GET', `${s.t.base}${path}`)).body);
      assert.ok(!text.includes(accessToken) && !text.includes(appSecret) && !text.includes(verifyToken), path);
    }
    // New settings without credentials keep them; an unknown credential or a voice channel is refused.
    const kept = await h.call('PUT', `${s.t.base}/channels/${s.channel.id}/provider`, {
      body: {
        type: 'whatsapp',
        settings: { apiBaseUrl: graph.apiBaseUrl, phoneNumbers: [{ id: phoneNumberId, address: '+18005550100' }] },
      },
    });
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    const unknown = await h.call('PUT', `${s.t.base}/channels/${s.channel.id}/provider`, {
      body: {
        type: 'whatsapp',
        settings: { phoneNumbers: [{ id: '1', address: '+18005550100' }] },
        credentials: { password: 'x' },
      },
    });
    assert.equal(unknown.status, 400);
    const phones = await make(h, `${s.t.base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: s.queue.id });
    const voice = await h.call('PUT', `${s.t.base}/channels/${phones.id}/provider`, {
      body: {
        type: 'whatsapp',
        settings: { phoneNumbers: [{ id: '1', address: '+18005550100' }] },
        credentials: { accessToken, appSecret, verifyToken },
      },
    });
    assert.equal(voice.body.errors[0].code, 'PROVIDER_NOT_ALLOWED');
    // Meta's verification handshake, with the verify token only.
    const challenge = await fetch(`${s.webhook}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`);
    assert.deepEqual([challenge.status, await challenge.text()], [200, '1158201444']);
    const wrong = await fetch(`${s.webhook}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    assert.equal(wrong.status, 403);
    assert.equal((await fetch(`${url}/providers/whatsapp/${s.t.id}/no-such-channel?hub.mode=subscribe`)).status, 404);
  });

  test('a customer writes, an agent answers over the WebSocket, the provider reports delivery and reading', async () => {
    const s = await setup();
    const id = await conversation(s);
    const interaction = (await h.call('GET', `${s.t.base}/interactions/${id}`)).body.result;
    assert.deepEqual(
      [
        interaction.channelType,
        interaction.medium,
        interaction.customer,
        interaction.contactPoint,
        interaction.attributes.customerName,
      ],
      ['messaging', 'whatsapp', `+${s.customer}`, '+18005550100', 'Kerry Fisher'],
    );
    // The customer writes again: the same interaction, pushed to the agent.
    assert.equal((await s.write('wamid.SECOND', 'Order 1234')).status, 200);
    const pushed = await s.client.next('message');
    assert.deepEqual([pushed.interactionId, pushed.message.text, pushed.message.author], [id, 'Order 1234', 'customer']);
    // The agent answers: queued, then sent to the Graph API with the bearer token, then sent.
    const reply = await s.client.request({ type: 'send', interactionId: id, text: 'Let me check that for you.' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.equal(reply.message.status, 'queued');
    const delivered = await eventually(async () =>
      graph.sent.find((m) => (m.body.text as Json)?.body === 'Let me check that for you.'),
    );
    assert.deepEqual([delivered?.phoneNumberId, delivered?.body.to, delivered?.body.type], [phoneNumberId, s.customer, 'text']);
    const sent = await s.client.next('message.status');
    assert.equal(sent.status, 'sent');
    assert.match(sent.externalId, /^wamid\.STANDIN/);
    // Meta reports delivered, then read; a late "delivered" does not undo "read".
    assert.equal((await s.status(sent.externalId, 'delivered')).status, 200);
    assert.equal((await s.status(sent.externalId, 'read')).status, 200);
    assert.equal((await s.status(sent.externalId, 'delivered')).status, 200);
    const stored = await s.messages(id);
    assert.deepEqual(
      stored.map((m: Json) => [m.direction, m.text, m.status]),
      [
        ['inbound', 'Hello, my order is late', 'received'],
        ['inbound', 'Order 1234', 'received'],
        ['outbound', 'Let me check that for you.', 'read'],
      ],
    );
    const events = (await h.call('GET', `${s.t.base}/interactions/${id}`)).body.result.events.map((e: Json) => e.type);
    for (const type of ['message.received', 'message.queued', 'message.sent', 'message.status'])
      assert.ok(events.includes(type), type);
    // Over REST as well, with an attachment (WhatsApp: one, the text its caption).
    const image = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, {
      token: s.token,
      body: { text: 'Your label', attachments: [{ url: 'https://files.example.com/label.png', contentType: 'image/png' }] },
    });
    assert.equal(image.status, 201, JSON.stringify(image.body));
    const media = await eventually(async () =>
      graph.sent.find((m) => m.body.type === 'image' && (m.body.image as Json).caption === 'Your label'),
    );
    assert.equal((media?.body.image as Json)?.link, 'https://files.example.com/label.png');
  });

  test('a flow speaks on the conversation: sendMessage, and collectInput waits for the customer’s reply', async () => {
    const s = await setup({
      start: 'hi',
      steps: [
        {
          id: 'hi',
          type: 'sendMessage',
          text: 'Hi {{ interaction.attributes.customerName }}, thanks for writing.',
          exits: { next: 'menu' },
        },
        {
          id: 'menu',
          type: 'collectInput',
          prompt: 'Reply 1 for billing, 2 for anything else',
          inputType: 'text',
          validWhen: "input == '1' || input == '2'",
          timeoutSeconds: 300,
          exits: { next: 'q', noMatch: 'q', timeout: 'q' },
        },
        { id: 'q', type: 'routeToQueue' },
      ],
    });
    const before = graph.sent.length;
    assert.equal((await s.write('wamid.FLOW1', 'Hello')).status, 200);
    const prompts = await eventually(async () => (graph.sent.length === before + 2 ? graph.sent.slice(before) : null));
    assert.deepEqual(
      prompts.map((m) => [m.body.to, (m.body.text as Json).body]),
      [
        [s.customer, 'Hi Kerry Fisher, thanks for writing.'],
        [s.customer, 'Reply 1 for billing, 2 for anything else'],
      ],
    );
    const list = await h.call('GET', `${s.t.base}/interactions?state=in_flow`);
    const id = list.body.result.find((i: Json) => i.customer === `+${s.customer}`).id as string;
    // The customer's answer is the input the flow waits for; then it routes the conversation.
    assert.equal((await s.write('wamid.FLOW2', '2')).status, 200);
    const routed = await eventually(async () => {
      const interaction = (await h.call('GET', `${s.t.base}/interactions/${id}`)).body.result;
      return interaction.state === 'queued' ? interaction : null;
    });
    assert.equal(routed.flowRun.frames[0].vars.menu, '2');
    assert.deepEqual(
      (await s.messages(id)).map((m: Json) => [m.author, m.text]),
      [
        ['customer', 'Hello'],
        ['flow', 'Hi Kerry Fisher, thanks for writing.'],
        ['flow', 'Reply 1 for billing, 2 for anything else'],
        ['customer', '2'],
      ],
    );
  });

  test('a conversation left silent ends by the channel’s inactivity; the next one prefers the last agent', async () => {
    const s = await setup({
      start: 'q',
      steps: [
        {
          id: 'q',
          type: 'routeToQueue',
          preferredAgent: { agent: "{{ interaction.attributes.?lastAgentId.orValue('') }}", expiresAfterSeconds: 60 },
        },
      ],
    });
    assert.equal((await h.call('PUT', `${s.t.base}/channels/${s.channel.id}`, { body: { inactivityMinutes: 30 } })).status, 200);
    const first = await conversation(s);
    await h.clock.advance(20 * 60_000);
    assert.equal((await s.write('wamid.STILL', 'Still there?')).status, 200);
    // 30 minutes after the last message, not the first: at 40 min it is still open, at 50 min it ends.
    await h.clock.advance(20 * 60_000);
    assert.equal((await h.call('GET', `${s.t.base}/interactions/${first}`)).body.result.state, 'connected');
    await h.clock.advance(10 * 60_000);
    const ended = await eventually(async () => {
      const interaction = (await h.call('GET', `${s.t.base}/interactions/${first}`)).body.result;
      return ['wrap_up', 'completed'].includes(interaction.state) ? interaction : null;
    });
    assert.ok(
      ended.events.some((e: Json) => e.type === 'interaction.ended' && e.data.by === 'customer'),
      JSON.stringify(ended.events.map((e: Json) => e.type)),
    );
    await s.client.request({ type: 'complete', interactionId: first });
    // The customer writes again: a new conversation, carrying the agent of the last one.
    assert.equal((await s.write('wamid.AGAIN', 'One more thing')).status, 200);
    const offer = await s.client.next('offer');
    assert.notEqual(offer.interaction.id, first);
    assert.equal(offer.interaction.attributes.lastAgentId, s.agent.id);
  });

  test('a webhook Meta retries is stored once; bad signatures, bodies and numbers are refused with nothing stored', async () => {
    const s = await setup();
    const id = await conversation(s);
    const payload = notification(phoneNumberId, textMessage(s.customer, 'wamid.RETRIED', 'Are you there?', h.clock.now()));
    assert.equal((await postSigned(s.webhook, appSecret, payload)).status, 200);
    assert.equal((await postSigned(s.webhook, appSecret, payload)).status, 200);
    assert.equal((await s.messages(id)).filter((m: Json) => m.externalId === 'wamid.RETRIED').length, 1);
    const forged = notification(phoneNumberId, textMessage(s.customer, 'wamid.FORGED', 'Refund me', h.clock.now()));
    assert.equal((await postSigned(s.webhook, 'another-secret', forged)).status, 401);
    assert.equal((await postSigned(s.webhook, appSecret, forged, 'sha256=00')).status, 401);
    const unsigned = await fetch(s.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(forged),
    });
    assert.equal(unsigned.status, 401);
    const otherNumber = notification('999999', textMessage(s.customer, 'wamid.ELSEWHERE', 'Hi', h.clock.now()));
    assert.equal((await postSigned(s.webhook, appSecret, otherNumber)).status, 404);
    assert.equal((await postSigned(s.webhook, appSecret, { object: 'page', entry: [] })).status, 400);
    const text = (await s.messages(id)).map((m: Json) => m.externalId);
    assert.ok(!text.includes('wamid.FORGED') && !text.includes('wamid.ELSEWHERE'));
  });

  test('a refused send fails with the provider error; 429 and 5xx are retried (Retry-After) and delivered', async () => {
    const s = await setup();
    const id = await conversation(s);
    graph.script.push({
      status: 400,
      body: { error: { message: '(#131026) Message undeliverable', type: 'OAuthException', code: 131026 } },
    });
    await s.client.request({ type: 'send', interactionId: id, text: 'This one is refused' });
    const failed = await s.client.next('message.status');
    assert.deepEqual([failed.status, failed.error.code], ['failed', '131026']);
    graph.script.push(
      { status: 429, body: { error: { message: 'Rate limit hit', code: 130429 } }, headers: { 'retry-after': '30' } },
      { status: 503, body: { error: { message: 'Service unavailable', code: 2 } } },
    );
    const before = graph.sent.length;
    await s.client.request({ type: 'send', interactionId: id, text: 'This one gets through' });
    await s.client.request({ type: 'send', interactionId: id, text: 'And this one after it' });
    // The 429 asks for 30 s: nothing leaves before; then the 503 waits its backoff; then both, in order.
    // The clock moves only once the server has recorded each attempt (the retry's time runs from then).
    const attempts = (count: number) =>
      eventually(async () =>
        (await h.store.listPendingOutbox(1000)).some((item) => item.orderingKey === id && item.attempts === count),
      );
    await attempts(1);
    await h.clock.advance(29_000);
    assert.equal(graph.sent.length, before);
    await h.clock.advance(2_000);
    await attempts(2);
    await h.clock.advance(5_000);
    await eventually(async () => graph.sent.length === before + 2);
    assert.deepEqual(
      graph.sent.slice(before).map((m) => (m.body.text as Json).body),
      ['This one gets through', 'And this one after it'],
    );
    // The provider has them; the server records each as sent once the provider's answer is in.
    const statuses = await eventually(async () => {
      const outbound = (await s.messages(id))
        .filter((m: Json) => m.direction === 'outbound')
        .map((m: Json) => [m.text, m.status]);
      return outbound.every(([, status]: string[]) => status !== 'queued') ? outbound : null;
    });
    assert.deepEqual(statuses, [
      ['This one is refused', 'failed'],
      ['This one gets through', 'sent'],
      ['And this one after it', 'sent'],
    ]);
  });

  test('after 24 hours without a customer message only a template may be sent', async () => {
    const s = await setup();
    // The conversation waits in its queue (no agent is available); the contact center writes with its API key.
    assert.equal((await s.write('wamid.WINDOW', 'Please call me tomorrow')).status, 200);
    const waiting = await h.call('GET', `${s.t.base}/interactions?state=queued`);
    const id = waiting.body.result.find((i: Json) => i.customer === `+${s.customer}`).id as string;
    const early = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, { body: { text: 'We will be in touch.' } });
    assert.equal(early.status, 201, JSON.stringify(early.body));
    await eventually(async () => graph.sent.find((m) => (m.body.text as Json)?.body === 'We will be in touch.'));
    await h.clock.advance(25 * 3_600_000);
    const before = graph.sent.length;
    // The agent's token cannot write in work the agent does not hold (404, as for someone else's).
    const notHeld = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, { token: s.token, body: { text: 'Hi' } });
    assert.equal(notHeld.status, 404);
    const text = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, { body: { text: 'Still there?' } });
    assert.equal(text.status, 422, JSON.stringify(text.body));
    assert.equal(text.body.errors[0].code, 'MESSAGING_WINDOW_CLOSED');
    const template = await h.call('POST', `${s.t.base}/interactions/${id}/messages`, {
      body: { template: { name: 'order_update', language: 'en_US', parameters: ['1234'] } },
    });
    assert.equal(template.status, 201, JSON.stringify(template.body));
    const sent = await eventually(async () => (graph.sent.length === before + 1 ? graph.sent.slice(before) : null));
    assert.deepEqual(sent[0]?.body.template, {
      name: 'order_update',
      language: { code: 'en_US' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: '1234' }] }],
    });
    // Nothing else left: the refused text was never queued.
    assert.equal((await s.messages(id)).filter((m: Json) => m.text === 'Still there?').length, 0);
  });
});
