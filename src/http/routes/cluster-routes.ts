import type { FastifyInstance } from 'fastify';
import { type ClusterRouting, forward, nodeAuthHeader, tenantOfRequest } from '../../cluster/forwarding.js';
import { AppError, apiError } from '../../core/errors.js';
import { requireAdmin } from '../request-context.js';

/**
 * A cluster node's HTTP side: every request of a tenant another node holds is executed there (forwarded,
 * signed with the cluster's secret) and answered as if here; a request another node forwarded is never
 * forwarded again (the tenant moved meanwhile: 503 TENANT_MOVED, retry). GET /v1/cluster lists the nodes
 * and their leases.
 */
export function registerClusterRoutes(app: FastifyInstance, cluster: ClusterRouting | null): void {
  if (cluster) {
    app.addHook('onRequest', async (request, reply) => {
      const signature = request.headers[nodeAuthHeader];
      if (signature !== undefined && !cluster.verify(String(signature), request.method, request.url)) {
        throw new AppError(apiError('NODE_AUTH_INVALID', 'The node signature of this forwarded request is not valid.'));
      }
      const tenantId = tenantOfRequest(request.url, request.headers);
      if (tenantId === null) return;
      const route = await cluster.route(tenantId);
      if (route === 'local') return;
      if (signature !== undefined) {
        throw new AppError(apiError('TENANT_MOVED', 'The tenant is moving between nodes; retry.'));
      }
      forward(request, reply, route.url, cluster.sign(request.method, request.url), cluster.forwardTimeoutMs);
      return reply;
    });
  }
  app.get('/v1/cluster', { schema: { tags: ['cluster'] } }, async (request) => {
    requireAdmin(request);
    if (!cluster) return { result: { clustered: false, nodeId: null, nodes: [] } };
    return { result: { clustered: true, ...((await cluster.describe()) as object) } };
  });
}
