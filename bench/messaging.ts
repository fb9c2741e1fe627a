/**
 * Messaging: how long a chat message takes through Switchboard, both ways, against the real
 * `switchboard serve` process (SQLite) and a Graph API stand-in on loopback:
 * - inbound: a signed WhatsApp webhook POSTed → the agent holding the conversation receives the
 *   message over the WebSocket;
 * - outbound: the agent sends over the WebSocket → the stand-in receives the provider request (the
 *   message went through the outbox, after its commit).
 * Messages go at a fixed rate over 20 open conversations. The baselines, in the same run, are the
 * transport alone: an HTTP request answered by the server (GET /healthz) for inbound, a WebSocket
 * ping answered with a pong for outbound.
 *
 * BENCH_MESSAGING_RATE=100 sets the messages per second each way (default 100), for 5 s.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { api, drive, serveForBench } from './bench-server.js';
import { fmt, percentile, type Row } from './report.js';

const appSecret = 'bench-app-secret';
const phoneNumberId = '100200300';
const conversations = 20;

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length };
}

export async function runMessaging(rate = Number(process.env.BENCH_MESSAGING_RATE ?? 100), seconds = 5): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-messaging-bench-'));
  const token = 'bench-admin-token';
  // The Graph API stand-in: notes when each send arrives (by its text), answers a message id at once.
  const arrived = new Map<string, number>();
  let sequence = 0;
  const graph = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { text?: { body?: string } };
      if (body.text?.body) arrived.set(body.text.body, performance.now());
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.BENCH${++sequence}` }] }));
    });
  });
  await new Promise<void>((resolve) => graph.listen(0, '127.0.0.1', resolve));
  const graphUrl = `http://127.0.0.1:${(graph.address() as AddressInfo).port}/v21.0`;
  const server = await serveForBench(dir, token);
  let socket: WebSocket | null = null;
  try {
    const { url } = server;
    const tenant = await api(url, token, 'POST', '/v1/tenants', { name: 'Chat', allowPrivateNetworkRequests: true });
    const base = `/v1/tenants/${tenant.id}`;
    const queue = await api(url, token, 'POST', `${base}/queues`, { name: 'Chat', routing: { wrapUpSeconds: 0 } });
    const channel = await api(url, token, 'POST', `${base}/channels`, {
      name: 'WhatsApp',
      type: 'messaging',
      medium: 'whatsapp',
      defaultQueueId: queue.id,
    });
    await api(url, token, 'POST', `${base}/entry-points`, { channelId: channel.id, address: '+18005550100' });
    await api(url, token, 'PUT', `${base}/channels/${channel.id}/provider`, {
      type: 'whatsapp',
      settings: { apiBaseUrl: graphUrl, phoneNumbers: [{ id: phoneNumberId, address: '+18005550100' }] },
      credentials: { accessToken: 'bench-token', appSecret, verifyToken: 'bench' },
    });
    const flow = await api(url, token, 'POST', `${base}/flows`, {
      name: 'Route',
      definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
    });
    await api(url, token, 'POST', `${base}/dispatch-mappings`, {
      name: 'all',
      interactionField: 'direction',
      value: 'inbound',
      flowId: flow.id,
    });
    const agent = await api(url, token, 'POST', `${base}/agents`, {
      name: 'Agent',
      email: 'agent@example.com',
      queueIds: [queue.id],
      capacity: { messaging: conversations },
    });
    const agentToken = (await api(url, token, 'POST', `${base}/agents/${agent.id}/tokens`, {})).token as string;

    // The agent: accepts every conversation, notes when each customer message arrives (by its text).
    const received = new Map<string, number>();
    const held: string[] = [];
    const pongs = new Map<string, number>();
    const ws = new WebSocket(`${url.replace('http', 'ws')}${base}/agents/ws?access_token=${agentToken}`);
    socket = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'hello') ws.send(JSON.stringify({ type: 'presence', status: 'available' }));
      if (message.type === 'offer') ws.send(JSON.stringify({ type: 'accept', interactionId: message.interaction.id }));
      if (message.type === 'result' && message.interaction?.state === 'connected') held.push(message.interaction.id);
      if (message.type === 'message') received.set(message.message.text, performance.now());
      if (message.type === 'pong') pongs.set(message.requestId, performance.now());
    });
    await new Promise((resolve) => ws.once('open', resolve));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const webhook = `${url}/providers/whatsapp/${tenant.id}/${channel.id}`;
    const post = (customer: number, id: string, text: string) => {
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '18005550100', phone_number_id: phoneNumberId },
                  messages: [
                    {
                      from: `1506555${String(customer).padStart(4, '0')}`,
                      id,
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      type: 'text',
                      text: { body: text },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
      const signature = createHmac('sha256', appSecret).update(body).digest('hex');
      return fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${signature}` },
        body,
      });
    };
    // The conversations, each opened by a first message and taken by the agent.
    for (let c = 0; c < conversations; c++) await post(c, `wamid.OPEN${c}`, `open ${c}`);
    const opened = performance.now();
    while (held.length < conversations && performance.now() - opened < 10_000) await new Promise((r) => setTimeout(r, 20));
    if (held.length < conversations) throw new Error(`only ${held.length} conversations were taken`);

    // Baseline in: the HTTP hop alone, at the same rate.
    const http: number[] = [];
    await drive(rate, seconds, performance.now(), async () => {
      const sent = performance.now();
      await (await fetch(`${url}/healthz`)).text();
      http.push(performance.now() - sent);
    });
    // Inbound: webhook → agent.
    const inboundSent = new Map<string, number>();
    await drive(rate, seconds, performance.now(), async (i) => {
      const text = `in ${i}`;
      inboundSent.set(text, performance.now());
      const response = await post(i % conversations, `wamid.IN${i}`, text);
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
    });
    const waitUntil = performance.now() + 10_000;
    while (received.size < conversations + inboundSent.size && performance.now() < waitUntil)
      await new Promise((r) => setTimeout(r, 20));
    const inbound = [...inboundSent].flatMap(([text, at]) => (received.has(text) ? [(received.get(text) as number) - at] : []));

    // Baseline out: a WebSocket ping answered with a pong, at the same rate.
    const pingSent = new Map<string, number>();
    await drive(rate, seconds, performance.now(), async (i) => {
      pingSent.set(`p${i}`, performance.now());
      ws.send(JSON.stringify({ type: 'ping', requestId: `p${i}` }));
    });
    // Outbound: agent → provider.
    const outboundSent = new Map<string, number>();
    await drive(rate, seconds, performance.now(), async (i) => {
      const text = `out ${i}`;
      outboundSent.set(text, performance.now());
      ws.send(JSON.stringify({ type: 'send', interactionId: held[i % conversations], text }));
    });
    const outWait = performance.now() + 15_000;
    while (arrived.size < outboundSent.size && performance.now() < outWait) await new Promise((r) => setTimeout(r, 20));
    const outbound = [...outboundSent].flatMap(([text, at]) => (arrived.has(text) ? [(arrived.get(text) as number) - at] : []));
    const pong = [...pingSent].flatMap(([id, at]) => (pongs.has(id) ? [(pongs.get(id) as number) - at] : []));

    const inSummary = summary(inbound);
    const outSummary = summary(outbound);
    const httpSummary = summary(http);
    const pongSummary = summary(pong);
    const size = `${fmt(rate)}/s × ${seconds} s, ${conversations} chats`;
    const ms = (value: number) => `${fmt(value, 1)} ms`;
    return [
      {
        name: 'inbound webhook → agent, p50',
        size,
        value: ms(inSummary.p50),
        baseline: `${ms(httpSummary.p50)} (HTTP hop)`,
        ratio: `${fmt(inSummary.p50 / httpSummary.p50, 1)}×`,
      },
      {
        name: 'inbound webhook → agent, p99',
        size,
        value: ms(inSummary.p99),
        baseline: `${ms(httpSummary.p99)} (HTTP hop)`,
        ratio: `${fmt(inSummary.p99 / httpSummary.p99, 1)}×`,
      },
      {
        name: 'agent send → provider, p50',
        size,
        value: ms(outSummary.p50),
        baseline: `${ms(pongSummary.p50)} (WS ping)`,
        ratio: `${fmt(outSummary.p50 / pongSummary.p50, 1)}×`,
      },
      {
        name: 'agent send → provider, p99',
        size,
        value: ms(outSummary.p99),
        baseline: `${ms(pongSummary.p99)} (WS ping)`,
        ratio: `${fmt(outSummary.p99 / pongSummary.p99, 1)}×`,
      },
      {
        name: 'messages through, in / out',
        size,
        value: `${fmt(inSummary.count)} / ${fmt(outSummary.count)}`,
        baseline: `${fmt(inboundSent.size)} / ${fmt(outboundSent.size)} sent`,
        ratio: '',
      },
    ];
  } finally {
    socket?.terminate();
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    graph.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
