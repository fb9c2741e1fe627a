import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { hasChromium, launchChromium } from '../support/browser.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually } from '../support/http-receiver.js';

// Web chat end to end: a customer's page (served from another origin) with the widget script, in a real
// Chromium; an agent over the agent WebSocket; and the customer protocol driven directly for its rules.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

let h: Harness;
let url: string;
let page: Server;
let pageUrl = '';
let pageHtml = '';
let browser: Browser | null = null;
const clients: AgentClient[] = [];
const sockets: WebSocket[] = [];
let sequence = 0;

before(async () => {
  h = await startHarness();
  url = await h.listen();
  // The contact center's web site: another origin than Switchboard's.
  page = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(pageHtml);
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
});
after(async () => {
  await browser?.close();
  for (const socket of sockets) socket.terminate();
  for (const client of clients) await client.close();
  await h.close();
  await new Promise((resolve) => page.close(resolve));
});

async function setup(allowedOrigins: string[] = []) {
  const n = ++sequence;
  const t = await createTenant(h);
  const queue = await make(h, `${t.base}/queues`, { name: 'Web' });
  const channel = await make(h, `${t.base}/channels`, {
    name: 'Web chat',
    type: 'messaging',
    medium: 'chat',
    defaultQueueId: queue.id,
  });
  const widget = `site-widget-${n}`;
  await make(h, `${t.base}/entry-points`, { channelId: channel.id, address: widget });
  const flow = await make(h, `${t.base}/flows`, {
    name: 'Chat',
    definition: {
      start: 'hi',
      steps: [
        { id: 'hi', type: 'sendMessage', text: 'Hello! An agent will be with you shortly.', exits: { next: 'q' } },
        { id: 'q', type: 'routeToQueue' },
      ],
    },
  });
  await make(h, `${t.base}/dispatch-mappings`, {
    name: 'chat',
    interactionField: 'direction',
    value: 'inbound',
    flowId: flow.id,
  });
  const provider = await h.call('PUT', `${t.base}/channels/${channel.id}/provider`, {
    body: { type: 'webchat', settings: { allowedOrigins } },
  });
  assert.equal(provider.status, 200, JSON.stringify(provider.body));
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: `ada${n}@example.com`, queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, t.id, token);
  clients.push(client);
  await client.next('hello');
  assert.equal((await client.request({ type: 'presence', status: 'available' })).ok, true);
  const sessions = `${url}/webchat/${t.id}/${widget}/sessions`;
  /** A customer: a session and its WebSocket, with what it received. */
  const customer = async (headers: Record<string, string> = {}) => {
    const opened = await fetch(sessions, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{"name":"Kerry"}',
    });
    assert.equal(opened.status, 201, await opened.clone().text());
    const session = (await opened.json()) as { sessionId: string; token: string };
    const received: Json[] = [];
    const socket = new WebSocket(
      `${url.replace('http', 'ws')}/webchat/${t.id}/${widget}/ws?token=${encodeURIComponent(session.token)}`,
      { headers },
    );
    sockets.push(socket);
    socket.on('message', (data) => received.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    await eventually(async () => received.find((m) => m.type === 'hello'));
    const next = (type: string, where: (m: Json) => boolean = () => true) =>
      eventually(async () => received.find((m) => m.type === type && where(m)));
    return {
      ...session,
      socket,
      received,
      next,
      say: (id: string, text: string) => socket.send(JSON.stringify({ type: 'message', id, text })),
    };
  };
  return { t, queue, channel, widget, client, token, sessions, customer };
}

describe('web chat', () => {
  test('a customer chats with an agent from a page in Chromium: greeting, offer, reply, end', {
    skip: hasChromium ? false : 'Chromium is not installed (apt-get install chromium)',
  }, async () => {
    const s = await setup();
    pageHtml = `<!doctype html><html><head><title>Acme</title></head><body><h1>Acme support</h1>
      <script src="${url}/webchat/widget.js" data-tenant="${s.t.id}" data-widget="${s.widget}" data-title="Chat with Acme"></script></body></html>`;
    browser = await launchChromium();
    const tab = await browser.newPage();
    await tab.goto(pageUrl);
    await tab.click('#sb-chat-open');
    await tab.fill('#sb-chat-input', 'Hi, my parcel has not arrived');
    await tab.click('#sb-chat-send');
    // The flow greets on the chat, and the conversation is offered to the agent.
    await tab.waitForSelector('.sb-flow >> text=Hello! An agent will be with you shortly.');
    const offer = await s.client.next('offer');
    const id = offer.interaction.id as string;
    assert.deepEqual([offer.interaction.medium, offer.interaction.contactPoint], ['chat', s.widget]);
    assert.match(offer.interaction.customer, /^wc_/);
    assert.equal((await s.client.request({ type: 'accept', interactionId: id })).ok, true);
    const reply = await s.client.request({ type: 'send', interactionId: id, text: 'Sorry about that! Let me look it up.' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    await tab.waitForSelector('.sb-agent >> text=Sorry about that! Let me look it up.');
    // The customer writes again: the agent gets it live.
    await tab.fill('#sb-chat-input', 'Order 1234');
    await tab.click('#sb-chat-send');
    assert.equal((await s.client.next('message')).message.text, 'Order 1234');
    // A reload continues the same chat, with its history.
    await tab.reload();
    await tab.click('#sb-chat-open');
    await tab.waitForSelector('.sb-agent >> text=Sorry about that! Let me look it up.');
    assert.equal(await tab.locator('.sb-customer').count(), 2);
    // The customer ends the chat: the agent's interaction goes to wrap-up.
    await tab.click('#sb-chat-end');
    const ended = await eventually(async () => {
      const interaction = (await h.call('GET', `${s.t.base}/interactions/${id}`)).body.result;
      return ['wrap_up', 'completed'].includes(interaction.state) ? interaction : null;
    });
    assert.ok(ended.events.some((e: Json) => e.type === 'interaction.ended' && e.data.by === 'customer'));
  });

  test('sessions: forged or foreign tokens are refused, each customer sees only their own chat, resends are stored once', async () => {
    const s = await setup();
    const kerry = await s.customer();
    kerry.say('k1', 'Is anyone there?');
    const offer = await s.client.next('offer');
    const id = offer.interaction.id as string;
    assert.equal(offer.interaction.customer, kerry.sessionId);
    // The same message again (a resend after a dropped connection) is stored once.
    kerry.say('k1', 'Is anyone there?');
    await kerry.next('ack');
    await eventually(async () => kerry.received.filter((m) => m.type === 'ack').length >= 2);
    const messages = (await h.call('GET', `${s.t.base}/interactions/${id}/messages`)).body.result;
    assert.equal(messages.filter((m: Json) => m.text === 'Is anyone there?').length, 1);
    // Another customer of the same widget starts their own chat and sees nothing of Kerry's.
    const sam = await s.customer();
    const hello = sam.received.find((m) => m.type === 'hello');
    assert.deepEqual(hello.messages, []);
    sam.say('s1', 'Hello from Sam');
    const second = await s.client.next('offer');
    assert.notEqual(second.interaction.id, id);
    // A forged token, or one of another widget, opens nothing.
    for (const token of [`${kerry.token.split('.')[0]}.forged`, 'garbage']) {
      const socket = new WebSocket(
        `${url.replace('http', 'ws')}/webchat/${s.t.id}/${s.widget}/ws?token=${encodeURIComponent(token)}`,
      );
      sockets.push(socket);
      const [code] = (await new Promise((resolve) => socket.once('close', (code) => resolve([code])))) as [number];
      assert.equal(code, 4401);
    }
    const other = await setup();
    const foreign = new WebSocket(
      `${url.replace('http', 'ws')}/webchat/${other.t.id}/${other.widget}/ws?token=${encodeURIComponent(kerry.token)}`,
    );
    sockets.push(foreign);
    const [foreignCode] = (await new Promise((resolve) => foreign.once('close', (code) => resolve([code])))) as [number];
    assert.equal(foreignCode, 4401);
    // Unknown widgets have no sessions; a flood of sessions from one address is slowed down.
    assert.equal((await fetch(`${url}/webchat/${s.t.id}/no-such-widget/sessions`, { method: 'POST' })).status, 404);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await fetch(s.sessions, { method: 'POST' })).status);
    assert.ok(statuses.includes(429), statuses.join(','));
  });

  test('allowed origins: another site can neither open a session nor connect', async () => {
    const s = await setup(['https://www.acme.example']);
    const preflight = await fetch(s.sessions, { method: 'OPTIONS', headers: { origin: 'https://www.acme.example' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://www.acme.example');
    const elsewhere = await fetch(s.sessions, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(elsewhere.status, 403);
    const acme = await s.customer({ origin: 'https://www.acme.example' });
    assert.ok(acme.received.some((m) => m.type === 'hello'));
    const socket = new WebSocket(
      `${url.replace('http', 'ws')}/webchat/${s.t.id}/${s.widget}/ws?token=${encodeURIComponent(acme.token)}`,
      {
        headers: { origin: 'https://evil.example' },
      },
    );
    sockets.push(socket);
    const [code] = (await new Promise((resolve) => socket.once('close', (code) => resolve([code])))) as [number];
    assert.equal(code, 4403);
  });
});
