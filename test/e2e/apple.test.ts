import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { jwtVerify, SignJWT } from 'jose';
import { type AgentClient, connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, startHarness } from '../support/harness.js';
import { eventually, type HttpReceiver, startHttpReceiver } from '../support/http-receiver.js';

// Apple Messages for Business end to end: Apple's posts (a JWT signed with the MSP's secret, gzipped
// JSON) in; Apple's gateway (a stand-in on loopback that checks the token, the headers and the gzipped
// body) out; an agent over the WebSocket in between.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const mspId = 'msp-7f3c2a';
const businessId = 'urn:biz:5b1c7e2e-acme';
const apiSecret = Buffer.from('a-32-byte-secret-for-apple-tests!').toString('base64');
const key = new Uint8Array(Buffer.from(apiSecret, 'base64'));

let h: Harness;
let url: string;
let gateway: HttpReceiver;
const sent: { headers: Json; body: Json }[] = [];
const clients: AgentClient[] = [];

before(async () => {
  h = await startHarness();
  url = await h.listen();
  // Apple's gateway: POST /v1/message with the MSP's token and a gzipped body.
  gateway = await startHttpReceiver(async (request, response) => {
    try {
      const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      await jwtVerify(token, key, { audience: mspId, issuer: mspId, algorithms: ['HS256'] });
      const body = JSON.parse(gunzipSync(Buffer.from(request.body, 'latin1')).toString('utf8'));
      if (request.url !== '/v1/message' || request.headers.id !== body.id || request.headers['source-id'] !== businessId) {
        response.writeHead(400).end('bad request');
        return;
      }
      sent.push({ headers: request.headers, body });
      response.writeHead(200).end();
    } catch {
      response.writeHead(401).end('unauthorized');
    }
  }, 'latin1');
});
after(async () => {
  for (const client of clients) await client.close();
  await h.close();
  await gateway.close();
});

/** A message as Apple posts it: its JWT, its headers, its gzipped JSON. */
async function post(webhook: string, body: Json, signingKey: Uint8Array = key) {
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(mspId).setIssuedAt().sign(signingKey);
  const response = await fetch(webhook, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      id: body.id ?? randomUUID(),
      'source-id': body.sourceId,
      'destination-id': body.destinationId,
      'device-agent': 'iPhone OS',
    },
    body: gzipSync(JSON.stringify(body)),
  });
  return { status: response.status, text: await response.text() };
}

describe('Apple Messages for Business', () => {
  test('a customer writes in Messages, an agent answers, the customer closes the conversation', async () => {
    const t = await createTenant(h, { allowPrivateNetworkRequests: true });
    const queue = await make(h, `${t.base}/queues`, { name: 'Apple' });
    const channel = await make(h, `${t.base}/channels`, {
      name: 'Messages',
      type: 'messaging',
      medium: 'apple-business-chat',
      defaultQueueId: queue.id,
    });
    await make(h, `${t.base}/entry-points`, { channelId: channel.id, address: businessId });
    const flow = await make(h, `${t.base}/flows`, {
      name: 'Route',
      definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
    });
    await make(h, `${t.base}/dispatch-mappings`, {
      name: 'all',
      interactionField: 'direction',
      value: 'inbound',
      flowId: flow.id,
    });
    const configured = await h.call('PUT', `${t.base}/channels/${channel.id}/provider`, {
      body: { type: 'apple', settings: { apiBaseUrl: `${gateway.url}/v1`, businessId, mspId }, credentials: { apiSecret } },
    });
    assert.equal(configured.status, 200, JSON.stringify(configured.body));
    const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
    const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
    const client = await connectAgent(url, t.id, token);
    clients.push(client);
    await client.next('hello');
    await client.request({ type: 'presence', status: 'available' });

    const webhook = `${url}/providers/apple/${t.id}/${channel.id}/message`;
    const customer = 'urn:mbid:AQAAY2Fv-opaque-customer';
    const first = {
      v: 1,
      type: 'text',
      id: randomUUID(),
      sourceId: customer,
      destinationId: businessId,
      body: 'Hello, can I change my delivery address?',
      locale: 'en_US',
    };
    assert.equal((await post(webhook, first)).status, 200);
    assert.equal((await post(webhook, first)).status, 200);
    const offer = await client.next('offer');
    const id = offer.interaction.id as string;
    assert.deepEqual([offer.interaction.medium, offer.interaction.customer], ['apple-business-chat', customer]);
    await client.request({ type: 'accept', interactionId: id });
    const reply = await client.request({ type: 'send', interactionId: id, text: 'Of course — what is the new address?' });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    const delivered = await eventually(async () => sent.find((s) => s.body.body === 'Of course — what is the new address?'));
    assert.deepEqual(
      [delivered.body.type, delivered.body.destinationId, delivered.headers['destination-id'], delivered.headers['auto-reply']],
      ['text', customer, customer, 'false'],
    );
    assert.equal((await client.next('message.status')).status, 'sent');
    // Typing and other interactive events are taken and left out; a forged token or another business is refused.
    assert.equal(
      (await post(webhook, { v: 1, type: 'typing_start', sourceId: customer, destinationId: businessId })).status,
      200,
    );
    const forged = await post(
      webhook,
      { ...first, id: randomUUID(), body: 'Refund me' },
      new Uint8Array(Buffer.from('not-the-secret')),
    );
    assert.equal(forged.status, 401);
    assert.equal((await post(webhook, { ...first, id: randomUUID(), destinationId: 'urn:biz:other' })).status, 404);
    const messages = (await h.call('GET', `${t.base}/interactions/${id}/messages`)).body.result;
    assert.deepEqual(
      messages.map((m: Json) => [m.direction, m.text]),
      [
        ['inbound', 'Hello, can I change my delivery address?'],
        ['outbound', 'Of course — what is the new address?'],
      ],
    );
    // Attachments are not sent through Apple yet: refused before anything is queued.
    const image = await h.call('POST', `${t.base}/interactions/${id}/messages`, {
      token,
      body: { attachments: [{ url: 'https://example.com/a.png', contentType: 'image/png' }] },
    });
    assert.equal(image.status, 400);
    // The customer deletes the conversation in Messages: Apple posts `close`, the agent's work wraps up.
    assert.equal(
      (await post(webhook, { v: 1, type: 'close', id: randomUUID(), sourceId: customer, destinationId: businessId })).status,
      200,
    );
    const closed = (await h.call('GET', `${t.base}/interactions/${id}`)).body.result;
    assert.ok(['wrap_up', 'completed'].includes(closed.state), closed.state);
  });
});
