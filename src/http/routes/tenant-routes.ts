import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { created, listBody, pageRequest, requireAdmin, tenantOf } from '../request-context.js';
import { apiKeyCreate, listQuery, tenantCreate, tenantUpdate } from '../schemas.js';

type Body = Record<string, unknown>;

/** Tenants (admin only, except reading and updating one's own) and their API keys. */
export function registerTenantRoutes(app: FastifyInstance, engine: Engine): void {
  const tenants = engine.configuration.tenants;
  const tags = ['tenants'];
  app.post('/v1/tenants', { schema: { tags, body: tenantCreate } }, async (request, reply) => {
    requireAdmin(request);
    return created(reply, await tenants.create(request.body as Body));
  });
  app.get('/v1/tenants', { schema: { tags, querystring: listQuery } }, async (request) => {
    requireAdmin(request);
    return listBody(await tenants.list(pageRequest(request)));
  });
  app.get('/v1/tenants/:tenantId', { schema: { tags } }, async (request) => ({ result: await tenantOf(engine, request) }));
  app.put('/v1/tenants/:tenantId', { schema: { tags, body: tenantUpdate } }, async (request) => {
    const tenant = await tenantOf(engine, request);
    // Letting flows call internal addresses is a decision about the network, not the tenant's own.
    if ((request.body as Body).allowPrivateNetworkRequests !== undefined) requireAdmin(request);
    return { result: await tenants.update(tenant, request.body as Body) };
  });

  const keys = engine.configuration.apiKeys;
  const keyTags = ['api keys'];
  app.post('/v1/tenants/:tenantId/api-keys', { schema: { tags: keyTags, body: apiKeyCreate } }, async (request, reply) => {
    const { key, secret } = await keys.create(await tenantOf(engine, request), (request.body ?? {}) as Body);
    // The only time the secret is shown: it is stored as a hash.
    return created(reply, { ...key, key: secret });
  });
  app.get('/v1/tenants/:tenantId/api-keys', { schema: { tags: keyTags, querystring: listQuery } }, async (request) =>
    listBody(await keys.list(await tenantOf(engine, request), pageRequest(request))),
  );
  app.get('/v1/tenants/:tenantId/api-keys/:id', { schema: { tags: keyTags } }, async (request) => ({
    result: await keys.get(await tenantOf(engine, request), (request.params as { id: string }).id),
  }));
  app.delete('/v1/tenants/:tenantId/api-keys/:id', { schema: { tags: keyTags } }, async (request, reply) => {
    await keys.revoke(await tenantOf(engine, request), (request.params as { id: string }).id);
    return reply.code(204).send();
  });
}
