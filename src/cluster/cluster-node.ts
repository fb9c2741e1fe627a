import { sql } from 'kysely';
import { AppError, apiError } from '../core/errors.js';
import type { Tx } from '../store/sql/documents.js';
import type { ClusterNode, LeaseTable, TenantLease } from './leases.js';

/** This node's cluster settings (SWITCHBOARD_NODE_ID and the rest; see docs/cluster.md). */
export interface ClusterConfig {
  nodeId: string;
  /** Where the other nodes reach this one, e.g. http://10.0.0.5:8080. */
  url: string;
  /** Shared by the nodes: signs the requests they forward to each other. */
  secret: string;
  /** How long a lease lasts without renewal: a dead node's tenants move after at most this. */
  leaseMs: number;
}

/** What the engine does when this node gains or loses a tenant. */
export interface TenantLifecycle {
  /** Rebuild the tenant's router view from the database and re-arm its timers and deliveries. */
  start(tenantId: string): Promise<void>;
  /** Forget the tenant: its views, timers, deliveries and agent connections (they reconnect to the owner). */
  stop(tenantId: string): void;
}

const moved = () =>
  new AppError(apiError('TENANT_MOVED', 'This node no longer holds the tenant; retry, and the request reaches its new owner.'));

/**
 * One node of a cluster on PostgreSQL. Every `leaseMs / 3` it heartbeats, renews the leases it holds
 * (noticing any it lost: paused past its lease, or the database unreachable), claims unowned tenants up
 * to its fair share (tenants ÷ live nodes, rounded up), and releases tenants beyond its share when another
 * node has fewer — so tenants spread as nodes join and leave. `fence` is run by the store inside every
 * transaction that writes a tenant: it holds the lease row (FOR SHARE) and checks owner, token and expiry
 * on the database's clock, so a node that lost a lease can never commit for that tenant afterwards.
 */
export function createClusterNode(deps: {
  config: ClusterConfig;
  table: LeaseTable;
  tenants: TenantLifecycle;
  log: (line: string) => void;
}) {
  const { config, table, tenants, log } = deps;
  const { nodeId } = config;
  /** The tenants this node holds, with the fencing token of its ownership. */
  const owned = new Map<string, number>();
  /** Where other tenants are, as of the last round. */
  let owners = new Map<string, { nodeId: string; url: string }>();
  let leaving = false;
  let timer: NodeJS.Timeout | null = null;
  let round: Promise<void> = Promise.resolve();

  async function take(tenantId: string, token: number): Promise<void> {
    owned.set(tenantId, token);
    try {
      await tenants.start(tenantId);
    } catch (error) {
      log(`cluster: could not start tenant ${tenantId}: ${(error as Error).message}; releasing it`);
      lose(tenantId);
      await table.release(nodeId, tenantId).catch(() => undefined);
    }
  }

  function lose(tenantId: string): void {
    if (!owned.delete(tenantId)) return;
    tenants.stop(tenantId);
  }

  async function rebalance(): Promise<void> {
    const live = (await table.nodes()).filter((node) => node.live && !node.leaving);
    const total = await table.tenantCount();
    const share = Math.ceil(total / Math.max(1, live.length));
    if (owned.size < share) {
      for (const tenantId of await table.unowned(share - owned.size)) {
        if (leaving) return;
        const token = await table.claim(nodeId, tenantId);
        if (typeof token === 'number') await take(tenantId, token);
      }
    }
    const leases = await table.leases();
    if (owned.size > share) {
      const held = new Map(live.map((node) => [node.nodeId, 0]));
      for (const lease of leases) held.set(lease.nodeId, (held.get(lease.nodeId) ?? 0) + 1);
      const someoneShort = [...held].some(([other, count]) => other !== nodeId && count < share);
      if (someoneShort) {
        for (const tenantId of [...owned.keys()].slice(0, owned.size - share)) {
          lose(tenantId);
          await table.release(nodeId, tenantId);
        }
      }
    }
    const urls = new Map(live.map((node) => [node.nodeId, node.url]));
    owners = new Map(
      leases
        .filter((lease) => lease.nodeId !== nodeId && urls.has(lease.nodeId))
        .map((lease) => [lease.tenantId, { nodeId: lease.nodeId, url: urls.get(lease.nodeId) ?? '' }]),
    );
  }

  async function tick(): Promise<void> {
    await table.heartbeat(nodeId, config.url);
    const held = await table.renew(nodeId);
    for (const tenantId of [...owned.keys()]) {
      if (held.get(tenantId) !== owned.get(tenantId)) {
        log(`cluster: lost the lease of tenant ${tenantId} (paused or cut off past its lease); another node holds it now`);
        lose(tenantId);
      }
    }
    if (!leaving) await rebalance();
  }

  function schedule(): void {
    if (leaving) return;
    timer = setTimeout(() => {
      round = tick()
        .catch((error) => log(`cluster: a lease round failed: ${(error as Error).message}`))
        .finally(schedule);
    }, config.leaseMs / 3);
  }

  return {
    nodeId,

    /** Joins: the first round (claims this node's share), then one round every third of a lease. */
    async start(): Promise<void> {
      await tick();
      schedule();
    },

    owns: (tenantId: string) => owned.has(tenantId),
    /** How many tenants this node holds. */
    owned: () => owned.size,

    /**
     * Where a tenant's requests are executed: here, or the owner's URL. A tenant nobody holds (new, or its
     * owner just died) is claimed here at once.
     */
    async route(tenantId: string): Promise<'local' | { nodeId: string; url: string }> {
      if (owned.has(tenantId)) return 'local';
      const known = owners.get(tenantId) ?? (await table.ownerOf(tenantId));
      if (known && known.nodeId !== nodeId) return known;
      if (leaving) throw moved();
      const token = await table.claim(nodeId, tenantId);
      // No such tenant: answered here, as any node would (401 or 404), with nothing to write.
      if (token === 'no-such-tenant') return 'local';
      if (token !== null) {
        await take(tenantId, token);
        return 'local';
      }
      const owner = await table.ownerOf(tenantId);
      if (owner && owner.nodeId !== nodeId) return owner;
      throw moved();
    },

    /** Run by the store inside each transaction that writes the tenant (see SqlStore.fenceWrites). */
    async fence(trx: Tx, tenantId: string): Promise<void> {
      const token = owned.get(tenantId);
      if (token === undefined) throw moved();
      const held = await sql<{ token: string }>`
        SELECT token FROM tenant_leases
        WHERE tenant_id = ${tenantId} AND node_id = ${nodeId} AND token = ${token} AND expires_at > clock_timestamp()
        FOR SHARE`.execute(trx);
      if (held.rows.length === 0) {
        log(`cluster: refused a write for tenant ${tenantId}: its lease (token ${token}) is no longer this node's`);
        lose(tenantId);
        throw moved();
      }
    },

    /** The nodes and the leases, for GET /v1/cluster. */
    async describe(): Promise<{ nodeId: string; nodes: (ClusterNode & { tenants: TenantLease[] })[] }> {
      const [nodes, leases] = await Promise.all([table.nodes(), table.leases()]);
      return {
        nodeId,
        nodes: nodes.map((node) => ({ ...node, tenants: leases.filter((lease) => lease.nodeId === node.nodeId) })),
      };
    },

    /** Whether this node serves: joined and not leaving. */
    serving: () => !leaving,

    /** Graceful hand-off (SIGTERM): takes nothing more, forgets and releases every tenant, leaves. */
    async leave(): Promise<void> {
      leaving = true;
      if (timer) clearTimeout(timer);
      await round.catch(() => undefined);
      await table.leave(nodeId);
      for (const tenantId of [...owned.keys()]) {
        lose(tenantId);
        await table.release(nodeId, tenantId);
      }
      await table.forget(nodeId);
    },
  };
}

export type ClusterMember = ReturnType<typeof createClusterNode>;
