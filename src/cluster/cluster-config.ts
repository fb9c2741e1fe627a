import type { ClusterConfig } from './cluster-node.js';

/**
 * The cluster settings, checked (a mistake names the setting before anything starts): none without
 * SWITCHBOARD_NODE_ID; with it, PostgreSQL (DATABASE_URL) and SWITCHBOARD_CLUSTER_SECRET are required.
 */
export function clusterConfigFromEnv(
  env: NodeJS.ProcessEnv,
  serving: { port: number; host: string; databaseUrl: string | null },
): ClusterConfig | null {
  const nodeId = env.SWITCHBOARD_NODE_ID;
  if (nodeId === undefined || nodeId === '') return null;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    throw new Error('SWITCHBOARD_NODE_ID must be 1–64 letters, digits, dots, dashes or underscores.');
  }
  if (serving.databaseUrl === null) {
    throw new Error(
      'SWITCHBOARD_NODE_ID: a cluster runs on PostgreSQL (set DATABASE_URL); with SQLite Switchboard runs as one node only.',
    );
  }
  const secret = env.SWITCHBOARD_CLUSTER_SECRET ?? '';
  if (secret.length < 16) {
    throw new Error(
      'SWITCHBOARD_CLUSTER_SECRET must be set (16 characters or more, the same on every node): it signs the requests nodes forward.',
    );
  }
  const host = serving.host === '0.0.0.0' || serving.host === '::' ? '127.0.0.1' : serving.host;
  const url = env.SWITCHBOARD_NODE_URL || `http://${host}:${serving.port}`;
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`SWITCHBOARD_NODE_URL must be the http:// URL the other nodes reach this one at, not "${url}".`);
  }
  if (protocol !== 'http:' || (!env.SWITCHBOARD_NODE_URL && serving.port === 0)) {
    throw new Error('SWITCHBOARD_NODE_URL must be the http:// URL the other nodes reach this one at (needed when PORT is 0).');
  }
  const seconds = Number(env.SWITCHBOARD_LEASE_SECONDS ?? 9);
  if (!Number.isFinite(seconds) || seconds < 2 || seconds > 60) {
    throw new Error('SWITCHBOARD_LEASE_SECONDS must be a number of seconds from 2 to 60 (default 9).');
  }
  return { nodeId, url, secret, leaseMs: Math.round(seconds * 1000) };
}
