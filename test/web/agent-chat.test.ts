import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTenant, make } from '../support/harness.js';
import { signedIn, skipWithoutChromium, webAppUnderTest } from '../support/web-app.js';

// A web chat between a customer (the widget on a site, in one browser page) and an agent (the agent
// desktop, in another): offer, accept, the conversation both ways, wrap-up with a disposition.

const skip = skipWithoutChromium;
const app = webAppUnderTest();
let site: Server;
let siteUrl = '';
let siteHtml = '';

before(async () => {
  site = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(siteHtml);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => site.close(resolve));
});

test('an agent converses with a web chat customer from the desktop, then wraps up', { skip }, async () => {
  const { h, url, browser } = app;
  const t = await createTenant(h);
  const queue = await make(h, `${t.base}/queues`, { name: 'Web', routing: { wrapUpSeconds: 120 } });
  const channel = await make(h, `${t.base}/channels`, {
    name: 'Chat',
    type: 'messaging',
    medium: 'chat',
    defaultQueueId: queue.id,
  });
  await make(h, `${t.base}/entry-points`, { channelId: channel.id, address: 'site-chat' });
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
  const provider = await h.call('PUT', `${t.base}/channels/${channel.id}/provider`, { body: { type: 'webchat', settings: {} } });
  assert.equal(provider.status, 200, JSON.stringify(provider.body));
  const agent = await make(h, `${t.base}/agents`, { name: 'Bo Chen', email: 'bo@acme.com', queueIds: [queue.id] });
  await make(h, `${t.base}/users`, { email: 'bo@acme.com', role: 'agent', agentId: agent.id, password: 'bo has a password' });

  // The agent signs in and goes available.
  const desk = await signedIn(browser, url, 'bo@acme.com', 'bo has a password');
  await desk.getByRole('status').getByText('Connected').waitFor();
  await desk.getByLabel('Presence').selectOption('available');

  // The customer opens the chat on the site and writes.
  siteHtml = `<!doctype html><html lang="en"><head><title>Acme</title></head><body><h1>Acme</h1>
    <script src="${url}/webchat/widget.js" data-tenant="${t.id}" data-widget="site-chat" data-title="Chat with Acme"></script></body></html>`;
  const customer = await browser.newPage();
  await customer.goto(siteUrl);
  await customer.click('#sb-chat-open');
  await customer.fill('#sb-chat-input', 'Hi, my parcel has not arrived');
  await customer.click('#sb-chat-send');

  await desk.getByText(/^Message from wc_/).waitFor();
  await desk.getByRole('button', { name: 'Accept' }).click();
  const conversation = desk.locator('.conversation');
  await conversation.getByText('Hi, my parcel has not arrived').waitFor();
  await desk.getByLabel('Reply').fill('Sorry about that! Let me look it up.');
  await desk.getByRole('button', { name: 'Send' }).click();
  await customer.waitForSelector('.sb-agent >> text=Sorry about that! Let me look it up.');
  await customer.fill('#sb-chat-input', 'Order 1234');
  await customer.click('#sb-chat-send');
  await conversation.getByText('Order 1234').waitFor();
  await desk.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/agent-conversation.png', import.meta.url)) });

  await desk.getByRole('button', { name: 'End', exact: true }).click();
  await desk.getByLabel('Disposition').selectOption('Follow-up needed');
  await desk.getByRole('button', { name: 'Complete' }).click();
  await desk.getByText('Nothing in hand.').waitFor();
  const done = (await h.call('GET', `${t.base}/interactions?state=completed`)).body.result;
  assert.equal(done.length, 1);
  assert.equal(done[0].wrapUp.disposition, 'Follow-up needed');
  await desk.close();
  await customer.close();
});
