import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { eventually } from '../support/http-receiver.js';
import { request, type ServerProcess, startServer } from '../support/server-process.js';

// kill -9 of the real server in the middle of traffic: nothing acknowledged is lost, nothing is
// duplicated, capacity holds, waiting work keeps its place, and offers that expired while the server
// was down expire at once after the restart.

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
const token = 'crash-admin';
const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_ADMIN_TOKEN: token };
let server: ServerProcess | null = null;
const sockets: WebSocket[] = [];
after(async () => {
  for (const socket of sockets) socket.terminate();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Behaviour = 'answer' | 'hold' | 'ignore';

/** An agent desktop that answers (accept then end), holds (accept only) or ignores its offers. */
function desktop(url: string, tenantId: string, agentToken: string, behaviour: Behaviour): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/tenants/${tenantId}/agents/ws?access_token=${agentToken}`);
  sockets.push(socket);
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Json;
    const offers: Json[] =
      message.type === 'hello'
        ? message.offers.map((o: Json) => o.interaction)
        : message.type === 'offer'
          ? [message.interaction]
          : [];
    for (const interaction of offers) {
      if (behaviour === 'ignore') continue;
      socket.send(JSON.stringify({ type: 'accept', interactionId: interaction.id }));
      if (behaviour === 'answer') socket.send(JSON.stringify({ type: 'end', interactionId: interaction.id }));
    }
    // Work held when the connection (or the server) went away comes back in the greeting: finish it.
    if (message.type === 'hello' && behaviour === 'answer') {
      for (const interaction of message.held) {
        const type = interaction.state === 'wrap_up' ? 'complete' : 'end';
        socket.send(JSON.stringify({ type, interactionId: interaction.id }));
      }
    }
    if (message.type === 'hello') socket.send(JSON.stringify({ type: 'presence', status: 'available' }));
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

test('kill -9 in the middle of traffic, twice: nothing lost or duplicated, capacity and positions hold', async () => {
  server = await startServer(env);
  const tenant = (await request(server, token, 'POST', '/v1/tenants', { name: 'Crash', defaultCountry: 'US' })).body.result;
  const base = `/v1/tenants/${tenant.id}`;
  const queue = (
    await request(server, token, 'POST', `${base}/queues`, {
      name: 'Support',
      routing: { offerTimeoutSeconds: 5, wrapUpSeconds: 0 },
    })
  ).body.result;
  const phones = (
    await request(server, token, 'POST', `${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: queue.id })
  ).body.result;
  await request(server, token, 'POST', `${base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const flow = (
    await request(server, token, 'POST', `${base}/flows`, {
      name: 'Route',
      definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
    })
  ).body.result;
  await request(server, token, 'POST', `${base}/dispatch-mappings`, {
    name: 'all',
    interactionField: 'direction',
    value: 'inbound',
    flowId: flow.id,
  });
  const agents: { id: string; token: string; behaviour: Behaviour }[] = [];
  for (const [name, behaviour] of [
    ['Answers', 'answer'],
    ['Holds', 'hold'],
    ['Ignores', 'ignore'],
  ] as const) {
    const agent = (
      await request(server, token, 'POST', `${base}/agents`, { name, email: `${name}@example.com`, queueIds: [queue.id] })
    ).body.result;
    const agentToken = (await request(server, token, 'POST', `${base}/agents/${agent.id}/tokens`, {})).body.result.token;
    agents.push({ id: agent.id, token: agentToken, behaviour });
  }

  const acknowledged = new Set<string>();
  for (const round of [1, 2]) {
    for (const agent of agents) await desktop((server as ServerProcess).url, tenant.id, agent.token, agent.behaviour);
    // Traffic: calls keep arriving while the agents work; the kill lands in the middle of it.
    let stop = false;
    const traffic = (async () => {
      for (let i = 0; !stop && i < 200; i++) {
        try {
          const created = await request(server as ServerProcess, token, 'POST', `${base}/interactions`, {
            channelType: 'voice',
            contactPoint: '+18005555565',
            customer: `+1506555${String(1000 + round * 100 + (i % 100)).padStart(4, '0')}`,
          });
          if (created.status === 201) acknowledged.add(created.body.result.id);
        } catch {
          return; // the server is gone
        }
      }
    })();
    await eventually(async () => acknowledged.size >= round * 15);
    await server.stop('SIGKILL');
    stop = true;
    await traffic;
    for (const socket of sockets.splice(0)) socket.terminate();
    // Longer than the 5 s offer timeout passes while the server is down.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    server = await startServer(env);

    const all: Json[] = [];
    for (let cursor: string | null = null; ; ) {
      const page: Json = await request(
        server,
        token,
        'GET',
        `${base}/interactions?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      all.push(...page.body.result);
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    const ids = new Set(all.map((i) => i.id));
    for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged interaction ${id} was lost`);

    for (const interaction of all) {
      const full: Json = (await request(server, token, 'GET', `${base}/interactions/${interaction.id}`)).body.result;
      const types: string[] = full.events.map((e: Json) => e.type);
      assert.equal(types.filter((t: string) => t === 'interaction.created').length, 1, `${interaction.id} created twice`);
      assert.ok(types.filter((t: string) => t === 'offer.accepted').length <= 1, `${interaction.id} accepted twice`);
      if (full.state === 'queued' || full.state === 'offered') {
        // Waiting work keeps the place it had: its enqueue time is when it was queued.
        const queued: Json = full.events.find((e: Json) => e.type === 'interaction.queued');
        assert.equal(full.enqueuedAt, queued.at);
      }
      if (full.state === 'offered') {
        // An offer still open after the restart has not passed its expiry (those expire at once).
        await eventually(async () => {
          const now = (await request(server as ServerProcess, token, 'GET', `${base}/interactions/${interaction.id}`)).body
            .result;
          return now.state !== 'offered' || Date.parse(now.offer.expiresAt) > Date.now() - 1000;
        });
      }
    }
    // No agent holds more than its capacity (one call).
    const holding = await Promise.all(
      (['offered', 'connected', 'wrap_up'] as const).map(async (state) => {
        const page = await request(server as ServerProcess, token, 'GET', `${base}/interactions?state=${state}&limit=200`);
        return page.body.result as Json[];
      }),
    );
    const perAgent = new Map<string, number>();
    for (const interaction of holding.flat()) {
      const agentId = interaction.offer?.agentId ?? interaction.agentId;
      perAgent.set(agentId, (perAgent.get(agentId) ?? 0) + 1);
    }
    for (const [agentId, count] of perAgent) assert.ok(count <= 1, `agent ${agentId} holds ${count}`);
  }

  // After the last restart the agent who held calls reconnects and answers: the greeting hands it the
  // calls it held (accepted before a kill -9 included), it ends them, and the backlog drains to it.
  const holder = agents.find((a) => a.behaviour === 'hold') as (typeof agents)[number];
  const heldBefore = (await request(server, token, 'GET', `${base}/agents/${holder.id}/interactions`)).body.result as Json[];
  assert.ok(
    heldBefore.some((i) => i.state === 'connected'),
    'the holding agent holds connected work after the crashes',
  );
  for (const agent of agents) await desktop(server.url, tenant.id, agent.token, agent === holder ? 'answer' : agent.behaviour);
  await eventually(async () => {
    const open = await Promise.all(
      ['queued', 'offered', 'connected'].map(
        async (state) =>
          (await request(server as ServerProcess, token, 'GET', `${base}/interactions?state=${state}`)).body.result.length,
      ),
    );
    return open.every((n) => n === 0);
  }, 2000);
  const completed = (await request(server, token, 'GET', `${base}/interactions?state=completed&limit=200`)).body.result as Json[];
  assert.ok(completed.length >= acknowledged.size);
});
