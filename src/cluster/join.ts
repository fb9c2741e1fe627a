import pg from 'pg';
import type { Engine } from '../engine/engine.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import { type ClusterConfig, createClusterNode } from './cluster-node.js';
import { type ClusterRouting, signForward, verifyForward } from './forwarding.js';
import { leaseTable } from './leases.js';

/**
 * Makes this process a node of the cluster: its own small pool for the lease rounds (so a busy store
 * never delays a renewal), the store's writes fenced by the leases, and the engine started tenant by
 * tenant as leases are won. `start` joins (call it once the server listens: the other nodes forward
 * to it at once); `leave` is the graceful hand-off.
 */
export function joinCluster(deps: {
  config: ClusterConfig;
  databaseUrl: string;
  store: SqlStore;
  engine: Engine;
  log: (line: string) => void;
}) {
  const { config, store, engine, log } = deps;
  const pool = new pg.Pool({ connectionString: deps.databaseUrl, max: 3, connectionTimeoutMillis: config.leaseMs / 3 });
  pool.on('error', (error) => log(`cluster: an idle PostgreSQL connection failed: ${error.message}`));
  const node = createClusterNode({
    config,
    table: leaseTable(pool, config.leaseMs),
    tenants: { start: (tenantId) => engine.startTenant(tenantId), stop: (tenantId) => engine.stopTenant(tenantId) },
    log,
  });
  store.fenceWrites((trx, tenantId) => node.fence(trx, tenantId));
  const routing: ClusterRouting = {
    nodeId: config.nodeId,
    route: (tenantId) => node.route(tenantId),
    sign: (method, url) => signForward(config.secret, config.nodeId, method, url),
    verify: (header, method, url) => verifyForward(config.secret, header, method, url),
    describe: () => node.describe(),
    serving: () => node.serving(),
    forwardTimeoutMs: config.leaseMs,
  };
  return {
    node,
    routing,
    start: () => node.start(),
    async leave(): Promise<void> {
      await node
        .leave()
        .catch((error) => log(`cluster: leaving failed (the leases run out instead): ${(error as Error).message}`));
      await pool.end();
    },
  };
}
