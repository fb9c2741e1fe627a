import { createServer } from 'node:net';
import { type ServerProcess, startServer } from './server-process.js';

/** A loopback port nothing listens on now (a node's URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export const clusterSecret = 'the-cluster-secret-of-the-tests';
export const clusterAdminToken = 'sba_cluster-test-admin-token';

/** A `switchboard serve` node of a cluster on the database, on a fixed port (its URL is its address). */
export async function startNode(databaseUrl: string, nodeId: string, port: number, leaseSeconds = 3): Promise<ServerProcess> {
  return startServer({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    SWITCHBOARD_NODE_ID: nodeId,
    SWITCHBOARD_NODE_URL: `http://127.0.0.1:${port}`,
    SWITCHBOARD_CLUSTER_SECRET: clusterSecret,
    SWITCHBOARD_LEASE_SECONDS: String(leaseSeconds),
    SWITCHBOARD_ADMIN_TOKEN: clusterAdminToken,
  });
}

/** Polls until the check answers something (every 100 ms, up to `ms`). */
export async function within<T>(ms: number, what: string, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    try {
      const found = await check();
      if (found) return found;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers.
type Json = any;

/**
 * A tenant that routes voice calls to +18005555565 into its queue, with agents and their tokens, made
 * through `post` (which sends a POST to some node and answers the created `result`).
 */
export async function routedVoiceTenant(
  post: (path: string, body: unknown) => Promise<Json>,
  name: string,
  agents: number,
  routing: Record<string, unknown> = {},
) {
  const tenant = await post('/v1/tenants', { name, defaultCountry: 'US' });
  const base = `/v1/tenants/${tenant.id}`;
  const queue = await post(`${base}/queues`, { name: 'Support', routing });
  const phones = await post(`${base}/channels`, { name: 'Phones', type: 'voice', defaultQueueId: queue.id });
  await post(`${base}/entry-points`, { channelId: phones.id, address: '+18005555565' });
  const flow = await post(`${base}/flows`, {
    name: 'Route',
    definition: { start: 'q', steps: [{ id: 'q', type: 'routeToQueue' }] },
  });
  await post(`${base}/dispatch-mappings`, { name: 'all', interactionField: 'direction', value: 'inbound', flowId: flow.id });
  const people: { id: string; token: string }[] = [];
  for (let i = 0; i < agents; i++) {
    const agent = await post(`${base}/agents`, { name: `Agent ${i}`, email: `a${i}@${name}.test`, queueIds: [queue.id] });
    const { token } = await post(`${base}/agents/${agent.id}/tokens`, {});
    people.push({ id: agent.id as string, token: token as string });
  }
  return { id: tenant.id as string, base, queue, agents: people };
}
