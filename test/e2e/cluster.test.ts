import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import WebSocket from 'ws';
import { connectAgent } from '../support/agent-client.js';
import { clusterAdminToken, freePort, routedVoiceTenant, startNode, within } from '../support/cluster.js';
import { createScratchDatabase } from '../support/postgres.js';
import { request, type ServerProcess } from '../support/server-process.js';

// Three real `switchboard serve` processes on one PostgreSQL database: tenants spread over the nodes
// under fenced leases; any node answers for any tenant; a node killed, paused or restarted loses
// nothing, duplicates nothing and leaves no agent over capacity.

const database = await createScratchDatabase('sb_cluster');
const skip = 'skip' in database ? database.skip : false;
const databaseUrl = 'url' in database ? database.url : '';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers.
type Json = any;
const nodes = new Map<string, { server: ServerProcess; port: number }>();
let sql: pg.Pool;

async function start(nodeId: string, port?: number): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  const server = await startNode(databaseUrl, nodeId, chosen);
  nodes.set(nodeId, { server, port: chosen });
  return server;
}
const node = (nodeId: string) => {
  const found = nodes.get(nodeId);
  if (!found) throw new Error(`no node ${nodeId}`);
  return found.server;
};
/**
 * A request to a node, retried as a client of the cluster does while the tenant moves between nodes
 * (503 TENANT_MOVED, Retry-After: 1) — safe: the refused request committed nothing.
 */
async function api(nodeId: string, method: string, path: string, body?: unknown, token = clusterAdminToken) {
  for (let attempt = 0; ; attempt++) {
    const answer = await request(node(nodeId), token, method, path, body);
    if (answer.status !== 503 || answer.body?.errors?.[0]?.code !== 'TENANT_MOVED' || attempt >= 40) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
async function make(nodeId: string, path: string, body: unknown, token?: string): Promise<Json> {
  const answer = await api(nodeId, 'POST', path, body, token);
  if (answer.status !== 201) throw new Error(`POST ${path} on ${nodeId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result;
}
/** The owner of each tenant, as the database says. */
async function owners(): Promise<Map<string, string>> {
  const { rows } = await sql.query('SELECT tenant_id, node_id FROM tenant_leases WHERE expires_at > now()');
  return new Map(rows.map((row: { tenant_id: string; node_id: string }) => [row.tenant_id, row.node_id]));
}

/** A tenant routing calls to its queue (offers last 10 minutes), with agents (voice capacity 1). */
const callCenterTenant = (via: string, name: string, agents: number) =>
  routedVoiceTenant((path, body) => make(via, path, body), name, agents, { offerTimeoutSeconds: 600 });

/** Voice calls of a tenant, made through the given nodes in turn, each retried until acknowledged (with its key). */
async function calls(nodeIds: string[], tenant: { base: string }, count: number, label: string): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const key = `${label}-${i}`;
    const via = nodeIds[i % nodeIds.length] as string;
    const made = await within(30_000, `call ${key}`, async () => {
      const answer = await fetch(`${node(via).url}${tenant.base}/interactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clusterAdminToken}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({
          channelType: 'voice',
          contactPoint: '+18005555565',
          customer: `+1506555${String(1000 + i).slice(-4)}`,
        }),
      }).catch(() => null);
      if (!answer || (answer.status !== 201 && answer.status !== 200)) return null;
      return ((await answer.json()) as Json).result;
    });
    acknowledged.set(key, made.id);
  }
  return acknowledged;
}

/** What the database holds for a tenant's interactions, and each agent's open work. */
async function stateOf(tenantId: string) {
  const { rows } = await sql.query('SELECT doc FROM interactions WHERE tenant_id = $1', [tenantId]);
  const interactions = rows.map((row: { doc: string }) => JSON.parse(row.doc) as Json);
  const holding = new Map<string, string[]>();
  for (const interaction of interactions) {
    const agentId = ['connected', 'wrap_up'].includes(interaction.state)
      ? interaction.agentId
      : interaction.state === 'offered'
        ? interaction.offer?.agentId
        : null;
    if (agentId) holding.set(agentId, [...(holding.get(agentId) ?? []), interaction.id]);
  }
  return { interactions, holding };
}

/** The tenant's agents take, end and complete every call until none waits (through the given node). */
async function workThrough(
  via: string,
  tenant: { id: string; base: string; agents: { id: string; token: string }[] },
  total: number,
) {
  await within(60_000, 'every call answered and completed', async () => {
    for (const agent of tenant.agents) {
      const held =
        (await api(via, 'GET', `${tenant.base}/agents/${agent.id}/interactions`, undefined, agent.token)).body.result ?? [];
      for (const work of held) {
        if (work.state === 'offered') await api(via, 'POST', `${tenant.base}/interactions/${work.id}/accept`, {}, agent.token);
        if (work.state === 'offered' || work.state === 'connected') {
          await api(via, 'POST', `${tenant.base}/interactions/${work.id}/end`, {}, agent.token);
        }
        await api(via, 'POST', `${tenant.base}/interactions/${work.id}/complete`, {}, agent.token);
      }
    }
    const done = (await api(via, 'GET', `${tenant.base}/interactions?state=completed&limit=200`)).body.result ?? [];
    return done.length === total;
  }).catch(async (error) => {
    const states = (await stateOf(tenant.id)).interactions.map((i) => `${i.state}${i.offer ? `→${i.offer.agentId}` : ''}`);
    const agents = await Promise.all(
      tenant.agents.map(async (a) => (await api(via, 'GET', `${tenant.base}/agents/${a.id}`)).body.result?.presence),
    );
    throw new Error(`${(error as Error).message}; states ${JSON.stringify(states)}; agents ${JSON.stringify(agents)}`);
  });
}

describe('a cluster of three nodes on PostgreSQL', { skip }, () => {
  before(async () => {
    sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // The first node migrates; the others start once it has.
    await start('n1');
    await Promise.all([start('n2'), start('n3')]);
  });
  after(async () => {
    for (const { server } of nodes.values()) await server.stop('SIGKILL');
    await sql?.end();
    if ('drop' in database) await database.drop();
  });

  test('tenants spread over the nodes; any node answers for any tenant; an agent on one node is offered work of another', async () => {
    const tenants = [];
    for (let i = 0; i < 6; i++) tenants.push(await callCenterTenant(`n${(i % 3) + 1}`, `t${i}`, 2));
    const spread = await within(15_000, 'two tenants per node', async () => {
      const held = await owners();
      const counts = ['n1', 'n2', 'n3'].map((id) => [...held.values()].filter((owner) => owner === id).length);
      return held.size === 6 && counts.every((count) => count === 2) ? held : null;
    });
    const listed = (await api('n2', 'GET', '/v1/cluster')).body.result;
    assert.equal(listed.clustered, true);
    assert.deepEqual(
      listed.nodes.map((n: Json) => [n.nodeId, n.live, n.tenants.length]),
      [
        ['n1', true, 2],
        ['n2', true, 2],
        ['n3', true, 2],
      ],
    );
    assert.equal((await api('n1', 'GET', '/v1/cluster', undefined, 'not-a-token')).status, 401);

    // The agent's socket goes to a node that does not hold the tenant; the call is made on the third.
    const t = tenants[0] as (typeof tenants)[number];
    const owner = spread.get(t.id) as string;
    const [agentNode, callNode] = ['n1', 'n2', 'n3'].filter((id) => id !== owner) as [string, string];
    const ana = t.agents[0] as { id: string; token: string };
    const socket = await connectAgent(node(agentNode).url, t.id, ana.token);
    await socket.next('hello');
    assert.equal((await socket.request({ type: 'presence', status: 'available' })).ok, true);
    const call = await make(callNode, `${t.base}/interactions`, {
      channelType: 'voice',
      contactPoint: '+18005555565',
      customer: '+15065550100',
    });
    const offer = await socket.next('offer');
    assert.equal(offer.interaction.id, call.id);
    assert.equal((await socket.request({ type: 'accept', interactionId: call.id })).ok, true);
    const read = await api(callNode, 'GET', `${t.base}/interactions/${call.id}`);
    assert.deepEqual([read.status, read.body.result.state, read.body.result.agentId], [200, 'connected', ana.id]);
    await socket.close();

    // A tenant that does not exist is answered as on a single node.
    assert.equal((await api(agentNode, 'GET', '/v1/tenants/no-such-tenant/queues')).status, 404);
    assert.equal((await api(agentNode, 'GET', '/v1/tenants/no-such-tenant/queues', undefined, 'wrong')).status, 401);
    // A forwarded request must be signed by a node: a forged signature is refused.
    const forged = await fetch(`${node(agentNode).url}${t.base}/queues`, {
      headers: { authorization: `Bearer ${clusterAdminToken}`, 'switchboard-node-auth': 'n9:0:00' },
    });
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as Json).errors[0].code, 'NODE_AUTH_INVALID');
  });

  test('kill -9 of a node under load: its tenants move within the lease, nothing acknowledged is lost or doubled, nobody is over capacity', async (t) => {
    const tenant = await callCenterTenant('n1', 'killed', 2);
    const victim = await within(15_000, 'the tenant has an owner', async () => (await owners()).get(tenant.id));
    t.after(async () => {
      // Back for the next tests, whatever happened here.
      const entry = nodes.get(victim);
      if (entry && entry.server.child.exitCode === null && entry.server.child.signalCode === null) return;
      await start(victim, entry?.port);
    });
    const survivors = ['n1', 'n2', 'n3'].filter((id) => id !== victim);
    const bystander = await callCenterTenant('n1', 'bystander', 1);
    for (const agent of tenant.agents) {
      await api(
        survivors[0] as string,
        'PUT',
        `${tenant.base}/agents/${agent.id}/presence`,
        { status: 'available' },
        agent.token,
      );
    }
    // One agent is also on a WebSocket through a surviving node, relayed to the owner.
    const watched = tenant.agents[0] as { id: string; token: string };
    const wsUrl = (via: string) =>
      `${node(via).url.replace('http', 'ws')}${tenant.base}/agents/ws?access_token=${encodeURIComponent(watched.token)}`;
    const socket = new WebSocket(wsUrl(survivors[0] as string));
    const hello = await new Promise<Json>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))));
      socket.once('error', reject);
    });
    assert.equal(hello.type, 'hello');
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const before = await calls(survivors, tenant, 10, 'before');
    // More calls keep coming while the owner is killed, for its tenant and another.
    const during = calls(survivors, tenant, 30, 'during');
    const elsewhere = calls(survivors, bystander, 10, 'bystander');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    await node(victim).stop('SIGKILL');
    const acknowledged = new Map([...before, ...(await during)]);
    assert.equal((await elsewhere).size, 10);
    assert.equal((await stateOf(bystander.id)).interactions.length, 10, 'the other tenant lost and doubled nothing either');
    // The relayed socket closed with its owner; reconnected through the other survivor, it reaches the new
    // owner, which greets the agent with the work it holds there.
    await socketClosed;
    const newOwner = await within(15_000, 'another node holds the tenant', async () => {
      const owner = (await owners()).get(tenant.id);
      return owner && owner !== victim ? owner : null;
    });
    assert.ok(Date.now() - killedAt < 3_000 + 2_000 + 10_000, 'taken over within the lease and a round');
    assert.ok(survivors.includes(newOwner));

    const { interactions, holding } = await stateOf(tenant.id);
    assert.equal(new Set(acknowledged.values()).size, 40, 'each acknowledged call is one interaction');
    assert.equal(interactions.length, 40, 'and there is no other');
    for (const id of acknowledged.values())
      assert.ok(
        interactions.some((i) => i.id === id),
        `${id} is stored`,
      );
    for (const [agentId, work] of holding) assert.ok(work.length <= 1, `${agentId} holds ${work.length} calls at once`);
    const again = new WebSocket(wsUrl(survivors[1] as string));
    const greeting = await new Promise<Json>((resolve, reject) => {
      again.once('message', (data) => resolve(JSON.parse(String(data))));
      again.once('error', reject);
    });
    const greeted = [...greeting.offers.map((o: Json) => o.interaction.id), ...greeting.held.map((i: Json) => i.id)];
    const heldNow = (await stateOf(tenant.id)).holding.get(watched.id) ?? [];
    assert.ok(
      greeted.length <= 1 && greeted.every((id: string) => heldNow.includes(id)),
      'the greeting lists what the agent holds',
    );
    again.close();
    // Every call waiting when the owner died is offered again, and answered: all 40 are completed.
    await workThrough(newOwner, tenant, 40);
    const offers = (await stateOf(tenant.id)).interactions.map((i) => i.offer).filter(Boolean);
    assert.deepEqual(offers, [], 'no offer left open');

    // The node comes back (same port): it joins again and takes its share.
    await start(victim, nodes.get(victim)?.port);
    await within(20_000, 'the returning node holds tenants again', async () =>
      [...(await owners()).values()].some((owner) => owner === victim),
    );
  });

  test('SIGSTOP past the lease: the paused owner commits nothing once it resumes, and notices', async (t) => {
    const tenant = await callCenterTenant('n1', 'paused', 1);
    const changed = await api('n1', 'PUT', `${tenant.base}/queues/${tenant.queue.id}`, {
      routing: { ...tenant.queue.routing, offerTimeoutSeconds: 5, awayOnOfferTimeout: false },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const paused = await within(15_000, 'the tenant has an owner', async () => (await owners()).get(tenant.id));
    const other = ['n1', 'n2', 'n3'].find((id) => id !== paused) as string;
    const [agent] = tenant.agents as [{ id: string; token: string }];
    await api(other, 'PUT', `${tenant.base}/agents/${agent.id}/presence`, { status: 'available' }, agent.token);
    const [id] = [...(await calls([other], tenant, 1, 'paused')).values()] as [string];
    await within(5_000, 'the call is offered', async () => (await stateOf(tenant.id)).interactions[0]?.state === 'offered');
    const { rows } = await sql.query('SELECT token FROM tenant_leases WHERE tenant_id = $1', [tenant.id]);
    const tokenBefore = Number(rows[0].token);

    // Paused with the offer's timer armed: it falls due while the node sleeps past its lease.
    node(paused).child.kill('SIGSTOP');
    t.after(() => node(paused).child.kill('SIGCONT'));
    const taker = await within(15_000, 'another node takes the tenant', async () => {
      const owner = (await owners()).get(tenant.id);
      return owner && owner !== paused ? owner : null;
    });
    // The new owner expires the offer and offers the call again.
    await within(10_000, 'the offer expired once, on the new owner', async () => {
      const events = (await api(taker, 'GET', `${tenant.base}/interactions/${id}`)).body.result.events;
      return events.filter((e: Json) => e.type === 'offer.expired').length >= 1;
    });
    const seen = (await api(taker, 'GET', `${tenant.base}/interactions/${id}`)).body.result.events.length;
    node(paused).child.kill('SIGCONT');
    await within(10_000, 'the paused node notices it lost the tenant', async () =>
      /lost the lease of tenant|refused a write for tenant/.test(node(paused).output() + node(paused).stderr()),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { rows: after } = await sql.query('SELECT token, node_id FROM tenant_leases WHERE tenant_id = $1', [tenant.id]);
    assert.ok(Number(after[0].token) > tokenBefore, 'a new fencing token');
    const events = (await api(taker, 'GET', `${tenant.base}/interactions/${id}`)).body.result.events;
    const expiries = events.filter((e: Json) => e.type === 'offer.expired').map((e: Json) => e.data.offerId);
    assert.equal(new Set(expiries).size, expiries.length, 'no offer expired twice (the paused node wrote nothing)');
    assert.ok(events.length >= seen);
    // The resumed node still answers, and sends the tenant's requests to its owner.
    const read = await api(paused, 'GET', `${tenant.base}/interactions/${id}`);
    assert.equal(read.status, 200);
  });

  test('a rolling restart (SIGTERM, start again, node by node) loses no work and hands tenants off at once', async () => {
    const tenant = await callCenterTenant('n1', 'rolling', 2);
    for (const agent of tenant.agents)
      await api('n1', 'PUT', `${tenant.base}/agents/${agent.id}/presence`, { status: 'available' }, agent.token);
    let made = 0;
    for (const nodeId of ['n1', 'n2', 'n3']) {
      const others = ['n1', 'n2', 'n3'].filter((id) => id !== nodeId);
      const traffic = calls(others, tenant, 5, `rolling-${nodeId}`);
      const stoppedAt = Date.now();
      await node(nodeId).stop('SIGTERM');
      // Released, not waited out: nothing of the stopped node is held a moment later.
      const { rows } = await sql.query('SELECT count(*) AS held FROM tenant_leases WHERE node_id = $1 AND expires_at > now()', [
        nodeId,
      ]);
      assert.equal(Number(rows[0].held), 0);
      const listed = (await api(others[0] as string, 'GET', '/v1/cluster')).body.result.nodes.map((n: Json) => n.nodeId);
      assert.ok(!listed.includes(nodeId), 'the node left the list');
      await traffic;
      made += 5;
      assert.ok(Date.now() - stoppedAt < 20_000);
      await start(nodeId, nodes.get(nodeId)?.port);
    }
    assert.equal((await stateOf(tenant.id)).interactions.length, made);
    await workThrough('n2', tenant, made);
  });

  test('failed sign-ins are counted by every node together', async () => {
    const tenant = await make('n1', '/v1/tenants', { name: 'throttled' });
    await make('n1', `/v1/tenants/${tenant.id}/users`, {
      email: 'bo@throttled.test',
      role: 'admin',
      password: 'the right password',
    });
    const signIn = (nodeId: string, password: string) =>
      fetch(`${node(nodeId).url}/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bo@throttled.test', password }),
      });
    for (const nodeId of ['n1', 'n2', 'n3', 'n1', 'n2']) assert.equal((await signIn(nodeId, 'wrong')).status, 401);
    const refused = await signIn('n3', 'the right password');
    assert.equal(refused.status, 429, 'five failures over three nodes are five');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  });
});
