import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type GraphStandIn, notification, postSigned, startGraphStandIn, textMessage } from '../support/graph-stand-in.js';
import { eventually } from '../support/http-receiver.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';

// A message committed to the outbox survives a kill -9 of the server while its send is in flight, and
// is sent after the restart — once.

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-messaging-crash-'));
const admin = 'sba_messaging_crash_test_token_0123456789';
const accessToken = 'EAAG-crash';
const appSecret = 'crash-app-secret';
let server: ServerProcess | null = null;
let graph: GraphStandIn | null = null;
after(async () => {
  await server?.stop('SIGKILL');
  await graph?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a send in flight during a kill -9 is sent after the restart, once', async () => {
  graph = await startGraphStandIn(accessToken);
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: admin };
  server = await startServer(env);
  const tenant = (
    await request(server, admin, 'POST', '/v1/tenants', { name: 'Acme', defaultCountry: 'US', allowPrivateNetworkRequests: true })
  ).body.result;
  const base = `/v1/tenants/${tenant.id}`;
  const queue = (await request(server, admin, 'POST', `${base}/queues`, { name: 'Support' })).body.result;
  const channel = (
    await request(server, admin, 'POST', `${base}/channels`, {
      name: 'WhatsApp',
      type: 'messaging',
      medium: 'whatsapp',
      defaultQueueId: queue.id,
    })
  ).body.result;
  await request(server, admin, 'POST', `${base}/entry-points`, { channelId: channel.id, address: '+18005550100' });
  const provider = await request(server, admin, 'PUT', `${base}/channels/${channel.id}/provider`, {
    type: 'whatsapp',
    settings: { apiBaseUrl: graph.apiBaseUrl, phoneNumbers: [{ id: '1234567', address: '+18005550100' }] },
    credentials: { accessToken, appSecret, verifyToken: 'v' },
  });
  assert.equal(provider.status, 200, JSON.stringify(provider.body));
  const webhook = `${server.url}/providers/whatsapp/${tenant.id}/${channel.id}`;
  const inbound = notification('1234567', textMessage('15065550100', 'wamid.CRASH1', 'Hello?', new Date().toISOString()));
  assert.equal((await postSigned(webhook, appSecret, inbound)).status, 200);
  const chat = (await request(server, admin, 'GET', `${base}/interactions`)).body.result[0];

  // The provider takes the request and never answers; the server dies meanwhile.
  const standIn = graph;
  standIn.script.push({ status: 0, body: null, hold: true });
  const sent = await request(server, admin, 'POST', `${base}/interactions/${chat.id}/messages`, { text: 'We are on it.' });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  await eventually(async () => standIn.received.length >= 1);
  await server.stop('SIGKILL');

  server = await startServer(env);
  const running = server;
  const delivered = await eventually(async () => {
    const messages = (await request(running, admin, 'GET', `${base}/interactions/${chat.id}/messages`)).body.result;
    const reply = messages.find((m: { text: string }) => m.text === 'We are on it.');
    return reply?.status === 'sent' ? reply : null;
  }, 500);
  assert.match(delivered.externalId, /^wamid\.STANDIN/);
  // Taken once after the restart (the send cut off by the crash was never answered), and no more.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(standIn.sent.length, 1);
  const events = (await request(running, admin, 'GET', `${base}/interactions/${chat.id}`)).body.result.events;
  assert.equal(events.filter((e: { type: string }) => e.type === 'message.sent').length, 1);
});
