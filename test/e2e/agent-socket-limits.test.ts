import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { connectAgent } from '../support/agent-client.js';
import { createTenant, type Harness, make, routedVoiceQueue, startHarness } from '../support/harness.js';

// A client that stops reading cannot make the server buffer without end: past the bound it is
// disconnected with close code 4008, and its work is still there when it connects again.

let h: Harness;
let url: string;
before(async () => {
  h = await startHarness();
  url = await h.listen();
});
after(() => h.close());

test('a client that sends pings and reads nothing is closed with 4008; its offer is in the next greeting', async () => {
  const t = await createTenant(h, { timeZone: 'UTC' });
  const { queue } = await routedVoiceQueue(h, t.base, {});
  const agent = await make(h, `${t.base}/agents`, { name: 'Ada', email: 'ada@example.com', queueIds: [queue.id] });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const first = await connectAgent(url, t.id, token);
  await first.next('hello');
  await first.request({ type: 'presence', status: 'available' });
  const call = await h.call('POST', `${t.base}/interactions`, {
    body: { channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550000' },
  });
  const offer = await first.next('offer');
  assert.equal(offer.interaction.id, call.body.result.id);
  await first.close();

  const socket = new WebSocket(
    `${url.replace(/^http/, 'ws')}/v1/tenants/${t.id}/agents/ws?access_token=${encodeURIComponent(token)}`,
  );
  let pongs = 0;
  socket.on('message', (data) => {
    if (JSON.parse(String(data)).type === 'pong') pongs += 1;
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise((resolve) => socket.once('open', resolve));
  // Stop reading, keep sending: each answer echoes a 200-character request id. 60,000 answers are
  // ~14 MB, well past what the kernel buffers for a receiver that never reads plus the 1 MiB bound.
  socket.pause();
  const requestId = 'r'.repeat(200);
  const sent = 60_000;
  for (let i = 0; i < sent; i++) {
    socket.send(JSON.stringify({ type: 'ping', requestId }));
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  // Give the server time to handle what it read, then read on: the close comes behind what was buffered.
  await new Promise((resolve) => setTimeout(resolve, 500));
  socket.resume();
  const notClosed = new Promise<string>((resolve) => setTimeout(() => resolve('still open after 20 s'), 20_000).unref());
  assert.equal(await Promise.race([closed, notClosed]), 4008);
  assert.ok(pongs < sent, `${pongs} answers of ${sent}`);

  const again = await connectAgent(url, t.id, token);
  const hello = await again.next('hello');
  assert.deepEqual(
    hello.offers.map((o: { interaction: { id: string } }) => o.interaction.id),
    [call.body.result.id],
  );
  await again.close();
  socket.terminate();
});

test('request ids and ids over their length are not part of the protocol', async () => {
  const t = await createTenant(h, { timeZone: 'UTC' });
  const agent = await make(h, `${t.base}/agents`, { name: 'Bo', email: 'bo@example.com' });
  const token = (await make(h, `${t.base}/agents/${agent.id}/tokens`, {})).token as string;
  const client = await connectAgent(url, t.id, token);
  await client.next('hello');
  client.send({ type: 'ping', requestId: 'r'.repeat(201) });
  assert.equal((await client.next('error')).errors[0].code, 'MALFORMED_MESSAGE');
  client.send({ type: 'accept', interactionId: 'i'.repeat(101) });
  assert.equal((await client.next('error')).errors[0].code, 'MALFORMED_MESSAGE');
  client.send({ type: 'ping', requestId: 'r'.repeat(200) });
  assert.equal((await client.next('pong')).requestId.length, 200);
  await client.close();
});
