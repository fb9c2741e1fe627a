import type pg from 'pg';

/** A node of the cluster, as its row says. */
export interface ClusterNode {
  nodeId: string;
  /** Where the other nodes reach it (SWITCHBOARD_NODE_URL). */
  url: string;
  startedAt: string;
  heartbeatAt: string;
  /** Going away (SIGTERM): it takes no more tenants and is releasing its own. */
  leaving: boolean;
  /** Whether its heartbeat is recent enough (within one lease). */
  live: boolean;
}

/** A tenant's lease: its owner, the fencing token of this ownership, until when. */
export interface TenantLease {
  tenantId: string;
  nodeId: string;
  token: number;
  expiresAt: string;
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

/**
 * The cluster's tables (migration 0017): nodes with their heartbeats, and one lease per owned tenant.
 * Every time is the database's (`now()`, `clock_timestamp()`), so no node's clock matters. A claim takes a
 * tenant whose lease is missing or expired and raises its token; a renewal extends only leases that have
 * not expired; a release expires a lease at once (its token stays, so the next owner's is higher).
 */
export function leaseTable(pool: pg.Pool, leaseMs: number) {
  const lease = `make_interval(secs => ${leaseMs / 1000})`;
  const rows = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[];

  return {
    async heartbeat(nodeId: string, url: string): Promise<void> {
      await pool.query(
        `INSERT INTO cluster_nodes (node_id, url, heartbeat_at) VALUES ($1, $2, now())
         ON CONFLICT (node_id) DO UPDATE SET url = EXCLUDED.url, heartbeat_at = now(), leaving = false,
           started_at = CASE WHEN cluster_nodes.heartbeat_at < now() - ${lease} THEN now() ELSE cluster_nodes.started_at END`,
        [nodeId, url],
      );
    },

    async leave(nodeId: string): Promise<void> {
      await pool.query('UPDATE cluster_nodes SET leaving = true WHERE node_id = $1', [nodeId]);
    },

    async forget(nodeId: string): Promise<void> {
      await pool.query('DELETE FROM cluster_nodes WHERE node_id = $1', [nodeId]);
    },

    async nodes(): Promise<ClusterNode[]> {
      const found = await rows<Record<string, unknown>>(
        `SELECT node_id, url, started_at, heartbeat_at, leaving, heartbeat_at > now() - ${lease} AS live
         FROM cluster_nodes ORDER BY node_id`,
      );
      return found.map((row) => ({
        nodeId: String(row.node_id),
        url: String(row.url),
        startedAt: iso(row.started_at),
        heartbeatAt: iso(row.heartbeat_at),
        leaving: Boolean(row.leaving),
        live: Boolean(row.live),
      }));
    },

    /** The leases that have not expired. */
    async leases(): Promise<TenantLease[]> {
      const found = await rows<Record<string, unknown>>(
        'SELECT tenant_id, node_id, token, expires_at FROM tenant_leases WHERE expires_at > now() ORDER BY tenant_id',
      );
      return found.map((row) => ({
        tenantId: String(row.tenant_id),
        nodeId: String(row.node_id),
        token: Number(row.token),
        expiresAt: iso(row.expires_at),
      }));
    },

    async tenantCount(): Promise<number> {
      const [row] = await rows<{ count: string }>('SELECT count(*) AS count FROM tenants');
      return Number(row?.count ?? 0);
    },

    /** Extends this node's unexpired leases; answers the tenants it still holds, with their tokens. */
    async renew(nodeId: string): Promise<Map<string, number>> {
      const renewed = await rows<{ tenant_id: string; token: string }>(
        `UPDATE tenant_leases SET expires_at = now() + ${lease}
         WHERE node_id = $1 AND expires_at > now() RETURNING tenant_id, token`,
        [nodeId],
      );
      return new Map(renewed.map((row) => [row.tenant_id, Number(row.token)]));
    },

    /** Tenants nobody holds (no lease, or an expired one), in random order so nodes claiming at once spread. */
    async unowned(limit: number): Promise<string[]> {
      const found = await rows<{ id: string }>(
        `SELECT t.id FROM tenants t LEFT JOIN tenant_leases l ON l.tenant_id = t.id
         WHERE l.tenant_id IS NULL OR l.expires_at <= now() ORDER BY random() LIMIT $1`,
        [limit],
      );
      return found.map((row) => row.id);
    },

    /**
     * Takes the tenant if nobody holds it; answers the new fencing token, null when another node does,
     * or 'no-such-tenant'.
     */
    async claim(nodeId: string, tenantId: string): Promise<number | null | 'no-such-tenant'> {
      const claimed = await rows<{ token: string }>(
        `INSERT INTO tenant_leases (tenant_id, node_id, token, expires_at) VALUES ($1, $2, 1, now() + ${lease})
         ON CONFLICT (tenant_id) DO UPDATE
           SET node_id = EXCLUDED.node_id, token = tenant_leases.token + 1, expires_at = EXCLUDED.expires_at
           WHERE tenant_leases.expires_at <= now()
         RETURNING token`,
        [tenantId, nodeId],
      ).catch((error: { code?: string }) => {
        // 23503: the tenant's foreign key — there is no such tenant.
        if (error.code === '23503') return 'no-such-tenant' as const;
        throw error;
      });
      if (claimed === 'no-such-tenant') return claimed;
      return claimed[0] ? Number(claimed[0].token) : null;
    },

    /** Gives the tenant up at once (its next owner need not wait for the lease to run out). */
    async release(nodeId: string, tenantId: string): Promise<void> {
      await pool.query('UPDATE tenant_leases SET expires_at = now() WHERE tenant_id = $1 AND node_id = $2', [tenantId, nodeId]);
    },

    /** The node holding the tenant now, with its URL; null when nobody does. */
    async ownerOf(tenantId: string): Promise<{ nodeId: string; url: string } | null> {
      const [found] = await rows<{ node_id: string; url: string }>(
        `SELECT l.node_id, n.url FROM tenant_leases l JOIN cluster_nodes n ON n.node_id = l.node_id
         WHERE l.tenant_id = $1 AND l.expires_at > now()`,
        [tenantId],
      );
      return found ? { nodeId: found.node_id, url: found.url } : null;
    },
  };
}

export type LeaseTable = ReturnType<typeof leaseTable>;
