import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, apiError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { created, tenantOf } from '../request-context.js';
import { presenceUpdate, wrapUpCompletion } from '../schemas.js';

type Params = Record<string, string>;

/** Agent tokens, presence, and what agents do with work (accept, reject, end, complete) over REST. */
export function registerAgentRoutes(app: FastifyInstance, engine: Engine): void {
  const agents = engine.configuration.agents;
  const router = engine.router;
  const tags = ['agents'];
  const agentAccess = { agentAccess: true };

  /** `agentId` of an optional body: {} or {"agentId": "…"}; anything else is refused. */
  function bodyAgentId(request: FastifyRequest): string | undefined {
    const body = request.body as unknown;
    if (body === undefined || body === null) return undefined;
    if (typeof body !== 'object' || Array.isArray(body))
      throw new AppError(apiError('INVALID_TYPE', 'The body must be an object.'));
    const { agentId, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new AppError(apiError('UNKNOWN_FIELD', `${unknown} is not a field of this body.`, unknown));
    if (agentId !== undefined && typeof agentId !== 'string')
      throw new AppError(apiError('INVALID_TYPE', 'agentId must be string.', 'agentId'));
    return agentId;
  }

  /** The agent a request acts for: the agent token's own, or `agentId` in the body for keys and the admin. */
  function actingAgent(request: FastifyRequest, given: string | undefined): string {
    const principal = request.principal;
    if (principal?.kind === 'agent') {
      if (given !== undefined && given !== principal.agentId)
        throw new AppError(apiError('FORBIDDEN', 'An agent token acts for its own agent only.'));
      return principal.agentId;
    }
    if (!given) throw new AppError(apiError('REQUIRED', 'agentId is required when not using an agent token.', 'agentId'));
    return given;
  }

  app.post('/v1/tenants/:tenantId/agents/:id/tokens', { schema: { tags } }, async (request, reply) => {
    const { token, secret } = await agents.issueToken(await tenantOf(engine, request), (request.params as Params).id ?? '');
    // The only time the secret is shown: it is stored as a hash.
    return created(reply, { ...token, token: secret });
  });
  app.get('/v1/tenants/:tenantId/agents/:id/tokens', { schema: { tags } }, async (request) => ({
    result: await agents.listTokens(await tenantOf(engine, request), (request.params as Params).id ?? ''),
    nextCursor: null,
  }));
  app.delete('/v1/tenants/:tenantId/agents/:id/tokens/:tokenId', { schema: { tags } }, async (request, reply) => {
    const { id, tokenId } = request.params as Params;
    await agents.revokeToken(await tenantOf(engine, request), id ?? '', tokenId ?? '');
    return reply.code(204).send();
  });

  app.put(
    '/v1/tenants/:tenantId/agents/:id/presence',
    { schema: { tags, body: presenceUpdate }, config: agentAccess },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const agentId = actingAgent(request, (request.params as Params).id);
      await agents.get(tenant, agentId);
      const body = request.body as { status: 'offline' | 'available' | 'away'; reason?: string | null };
      const agent = await router.setPresence(tenant.id, agentId, body.status, body.reason ?? null);
      return { result: agent };
    },
  );

  app.get(
    '/v1/tenants/:tenantId/agents/:id/interactions',
    {
      schema: {
        tags,
        summary: "The agent's work: offered to them, connected or in wrap-up (an agent token reads its own only)",
      },
      config: agentAccess,
    },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const agentId = actingAgent(request, (request.params as Params).id);
      await agents.get(tenant, agentId);
      const held = await router.heldBy(tenant.id, agentId);
      return { result: held.map((interaction) => router.summary(interaction)), nextCursor: null };
    },
  );

  const interactionTags = ['interactions'];
  const action = (name: string) => `/v1/tenants/:tenantId/interactions/:id/${name}`;
  app.post(action('accept'), { schema: { tags: interactionTags }, config: agentAccess }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const agentId = actingAgent(request, bodyAgentId(request));
    await router.accept(tenant.id, (request.params as Params).id ?? '', agentId);
    return { result: await engine.interactions.get(tenant, (request.params as Params).id ?? '') };
  });
  app.post(action('reject'), { schema: { tags: interactionTags }, config: agentAccess }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const agentId = actingAgent(request, bodyAgentId(request));
    await router.reject(tenant.id, (request.params as Params).id ?? '', agentId);
    return { result: await engine.interactions.get(tenant, (request.params as Params).id ?? '') };
  });
  app.post(action('end'), { schema: { tags: interactionTags }, config: agentAccess }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const id = (request.params as Params).id ?? '';
    // An agent ends it from the desktop; a provider (tenant key) reports that the customer hung up.
    const agentId = request.principal?.kind === 'agent' ? request.principal.agentId : null;
    await router.end(tenant.id, id, agentId ? 'agent' : 'customer', agentId);
    return { result: await engine.interactions.get(tenant, id) };
  });
  app.post(
    action('complete'),
    { schema: { tags: interactionTags, body: wrapUpCompletion }, config: agentAccess },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const id = (request.params as Params).id ?? '';
      const agentId = request.principal?.kind === 'agent' ? request.principal.agentId : null;
      const body = (request.body ?? {}) as { disposition?: string | null; notes?: string | null };
      await router.complete(tenant.id, id, agentId, null, {
        disposition: body.disposition?.trim() || null,
        notes: body.notes?.trim() || null,
      });
      return { result: await engine.interactions.get(tenant, id) };
    },
  );
  app.post(action('requeue'), { schema: { tags: interactionTags }, config: agentAccess }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const id = (request.params as Params).id ?? '';
    const agentId = request.principal?.kind === 'agent' ? request.principal.agentId : null;
    await router.requeue(tenant.id, id, agentId);
    return { result: await engine.interactions.get(tenant, id) };
  });
  app.post(action('abandon'), { schema: { tags: interactionTags } }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const id = (request.params as Params).id ?? '';
    await router.abandon(tenant.id, id);
    return { result: await engine.interactions.get(tenant, id) };
  });
}
