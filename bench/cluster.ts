/**
 * A cluster of three nodes on one PostgreSQL database (loopback), in one run:
 * - failover: `kill -9` of a tenant's owner → the first offer of that tenant's work, made on another
 *   node (the call is created right after the kill, retried until a node takes it), with the default
 *   lease (9 s) and with a 3 s lease;
 * - a request served by the owner next to the same request forwarded from another node;
 * - the round trip of a message between two processes over PostgreSQL LISTEN/NOTIFY and over NATS (the
 *   two buses the cluster could have used; it forwards requests over HTTP instead, see docs/cluster.md).
 * Needs PostgreSQL at SWITCHBOARD_TEST_POSTGRES_URL (or 127.0.0.1:5432) and NATS at 127.0.0.1:4222.
 */
import { performance } from 'node:perf_hooks';
import { connect, StringCodec } from 'nats';
import pg from 'pg';
import { clusterAdminToken, freePort, routedVoiceTenant, startNode, within } from '../test/support/cluster.js';
import { createScratchDatabase } from '../test/support/postgres.js';
import type { ServerProcess } from '../test/support/server-process.js';
import { fmt, percentile, type Row } from './report.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers.
type Json = any;

async function call(base: string, method: string, path: string, body?: unknown, token = clusterAdminToken): Promise<Json> {
  const answer = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

async function make(base: string, path: string, body: unknown): Promise<Json> {
  const answer = await call(base, 'POST', path, body);
  if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result;
}

/** A tenant routing calls to a queue, one agent available. */
async function tenantWithAgent(url: string, name: string) {
  const tenant = await routedVoiceTenant((path, body) => make(url, path, body), name, 1);
  const [agent] = tenant.agents as [{ id: string; token: string }];
  await call(url, 'PUT', `${tenant.base}/agents/${agent.id}/presence`, { status: 'available' }, agent.token);
  return tenant;
}

async function cluster(databaseUrl: string, leaseSeconds: number) {
  const nodes = new Map<string, { server: ServerProcess; port: number }>();
  for (const nodeId of ['n1', 'n2', 'n3']) {
    const port = await freePort();
    nodes.set(nodeId, { server: await startNode(databaseUrl, nodeId, port, leaseSeconds), port });
  }
  return nodes;
}

/** kill -9 of the owner → first offer of the tenant's new call by another node, in ms. */
async function failover(databaseUrl: string, leaseSeconds: number, sql: pg.Pool): Promise<number> {
  const nodes = await cluster(databaseUrl, leaseSeconds);
  try {
    const url = (id: string) => nodes.get(id)?.server.url as string;
    const tenant = await tenantWithAgent(url('n1'), `failover${leaseSeconds}`);
    const owner = await within(30_000, 'an owner', async () => {
      const { rows } = await sql.query('SELECT node_id FROM tenant_leases WHERE tenant_id = $1 AND expires_at > now()', [
        tenant.id,
      ]);
      return rows[0]?.node_id as string | undefined;
    });
    const survivor = ['n1', 'n2', 'n3'].find((id) => id !== owner) as string;
    const killedAt = performance.now();
    await nodes.get(owner)?.server.stop('SIGKILL');
    const made = await within(60_000, 'the call is taken', async () => {
      const answer = await fetch(`${url(survivor)}${tenant.base}/interactions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${clusterAdminToken}`,
          'content-type': 'application/json',
          'idempotency-key': 'failover',
        },
        body: JSON.stringify({ channelType: 'voice', contactPoint: '+18005555565', customer: '+15065550100' }),
      }).catch(() => null);
      return answer && (answer.status === 201 || answer.status === 200) ? ((await answer.json()) as Json).result : null;
    });
    await within(60_000, 'the call is offered', async () => {
      const { rows } = await sql.query("SELECT 1 FROM interactions WHERE id = $1 AND state = 'offered'", [made.id]);
      return rows.length > 0;
    });
    return performance.now() - killedAt;
  } finally {
    for (const { server } of nodes.values()) await server.stop('SIGKILL');
  }
}

/** The same GET, served by the owner and forwarded by another node: latencies in ms, sorted. */
async function forwarding(databaseUrl: string, sql: pg.Pool, count: number) {
  const nodes = await cluster(databaseUrl, 9);
  try {
    const url = (id: string) => nodes.get(id)?.server.url as string;
    const tenant = await tenantWithAgent(url('n1'), 'forwarding');
    const owner = await within(30_000, 'an owner', async () => {
      const { rows } = await sql.query('SELECT node_id FROM tenant_leases WHERE tenant_id = $1 AND expires_at > now()', [
        tenant.id,
      ]);
      return rows[0]?.node_id as string | undefined;
    });
    const other = ['n1', 'n2', 'n3'].find((id) => id !== owner) as string;
    const local: number[] = [];
    const forwarded: number[] = [];
    for (let i = 0; i < count + 200; i++) {
      // Alternated, so both see the same machine; the first 200 warm up.
      for (const [target, into] of [
        [owner, local],
        [other, forwarded],
      ] as const) {
        const started = performance.now();
        const answer = await call(url(target), 'GET', `${tenant.base}/queues`);
        if (answer.status !== 200) throw new Error(`GET on ${target}: ${answer.status}`);
        if (i >= 200) into.push(performance.now() - started);
      }
    }
    return { local: local.sort((a, b) => a - b), forwarded: forwarded.sort((a, b) => a - b) };
  } finally {
    for (const { server } of nodes.values()) await server.stop('SIGKILL');
  }
}

/** Round trips of a small message, request and reply, over LISTEN/NOTIFY: ms, sorted. */
async function notifyRoundTrips(databaseUrl: string, count: number): Promise<number[]> {
  const [a, b] = [new pg.Client({ connectionString: databaseUrl }), new pg.Client({ connectionString: databaseUrl })];
  await a.connect();
  await b.connect();
  await a.query('LISTEN ping');
  await b.query('LISTEN pong');
  a.on('notification', (message) => void a.query('SELECT pg_notify($1, $2)', ['pong', message.payload]));
  const times: number[] = [];
  for (let i = 0; i < count + 100; i++) {
    const started = performance.now();
    const answered = new Promise<void>((resolve) => b.once('notification', () => resolve()));
    await b.query('SELECT pg_notify($1, $2)', ['ping', String(i)]);
    await answered;
    if (i >= 100) times.push(performance.now() - started);
  }
  await a.end();
  await b.end();
  return times.sort((x, y) => x - y);
}

/** The same over NATS request/reply. */
async function natsRoundTrips(count: number): Promise<number[] | null> {
  let server: Awaited<ReturnType<typeof connect>>;
  let client: Awaited<ReturnType<typeof connect>>;
  try {
    server = await connect({ servers: '127.0.0.1:4222', timeout: 2000 });
    client = await connect({ servers: '127.0.0.1:4222', timeout: 2000 });
  } catch {
    return null;
  }
  const codec = StringCodec();
  const subscription = server.subscribe('switchboard.bench.ping');
  void (async () => {
    for await (const message of subscription) message.respond(codec.encode(codec.decode(message.data)));
  })();
  await server.flush();
  const times: number[] = [];
  for (let i = 0; i < count + 100; i++) {
    const started = performance.now();
    await client.request('switchboard.bench.ping', codec.encode(String(i)), { timeout: 2000 });
    if (i >= 100) times.push(performance.now() - started);
  }
  await client.close();
  await server.close();
  return times.sort((x, y) => x - y);
}

export async function runCluster(): Promise<Row[]> {
  const database = await createScratchDatabase('sb_bench_cluster');
  if ('skip' in database) throw new Error(database.skip);
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    const count = 2000;
    const fast = await failover(database.url, 3, sql);
    const standard = await failover(database.url, 9, sql);
    const { local, forwarded } = await forwarding(database.url, sql, count);
    const notify = await notifyRoundTrips(database.url, count);
    const nats = await natsRoundTrips(count);
    const ms = (value: number) => `${fmt(value, 2)} ms`;
    const rows: Row[] = [
      {
        name: 'failover: kill -9 → first offer (lease 3 s)',
        size: '3 nodes',
        value: ms(fast),
        baseline: 'lease 3 s',
        ratio: `${fmt(fast / 3000, 2)}×`,
      },
      {
        name: 'failover: kill -9 → first offer (lease 9 s)',
        size: '3 nodes',
        value: ms(standard),
        baseline: 'lease 9 s',
        ratio: `${fmt(standard / 9000, 2)}×`,
      },
    ];
    for (const p of [50, 99]) {
      const [f, l] = [percentile(forwarded, p), percentile(local, p)];
      rows.push({
        name: `GET forwarded p${p} (vs. on the owner)`,
        size: `${count} each`,
        value: ms(f),
        baseline: ms(l),
        ratio: `${fmt(f / l, 2)}×`,
      });
    }
    for (const p of [50, 99]) {
      const n = nats ? percentile(nats, p) : Number.NaN;
      const l = percentile(notify, p);
      rows.push({
        name: `message round trip p${p}: NATS (vs. LISTEN/NOTIFY)`,
        size: `${count}`,
        value: nats ? ms(n) : 'no NATS',
        baseline: ms(l),
        ratio: nats ? `${fmt(n / l, 2)}×` : '—',
      });
    }
    return rows;
  } finally {
    await sql.end();
    await database.drop();
  }
}
