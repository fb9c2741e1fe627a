import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { created, listBody, pageRequest, tenantOf } from '../request-context.js';
import { channelProviderSet, listQuery, messageCreate } from '../schemas.js';

type Params = Record<string, string>;
type Body = Record<string, unknown>;

/** The agent an agent token speaks for; null for API keys and the admin token. */
function agentOf(request: FastifyRequest): string | null {
  return request.principal?.kind === 'agent' ? request.principal.agentId : null;
}

/** Conversations (read and write an interaction's messages) and the messaging providers of channels. */
export function registerMessagingRoutes(app: FastifyInstance, engine: Engine): void {
  const base = '/v1/tenants/:tenantId/interactions/:id/messages';
  const agentAccess = { agentAccess: true };

  app.get(
    base,
    {
      schema: {
        tags: ['interactions'],
        summary: "The interaction's conversation in arrival order; an agent token reads its own work's",
        querystring: listQuery,
      },
      config: agentAccess,
    },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const id = (request.params as Params).id ?? '';
      return listBody(await engine.conversations.list(tenant, id, pageRequest(request), agentOf(request)));
    },
  );
  app.post(
    base,
    {
      schema: {
        tags: ['interactions'],
        summary: 'Send a message to the customer (text, an attachment, or a template); an agent must hold the interaction',
        body: messageCreate,
      },
      config: agentAccess,
    },
    async (request, reply) => {
      const tenant = await tenantOf(engine, request);
      const id = (request.params as Params).id ?? '';
      return created(reply, await engine.messaging.send(tenant, id, request.body as Body, agentOf(request)));
    },
  );

  const provider = '/v1/tenants/:tenantId/channels/:id/provider';
  const tags = ['channels'];
  app.get(
    provider,
    { schema: { tags, summary: "The channel's messaging provider (its credentials are never shown)" } },
    async (request) => ({
      result: await engine.channelProviders.get(await tenantOf(engine, request), (request.params as Params).id ?? ''),
    }),
  );
  app.put(
    provider,
    {
      schema: {
        tags,
        summary: "Set the channel's messaging provider: settings and (write-only) credentials",
        body: channelProviderSet,
      },
    },
    async (request) => ({
      result: await engine.channelProviders.set(
        await tenantOf(engine, request),
        (request.params as Params).id ?? '',
        request.body as Body,
      ),
    }),
  );
  app.delete(
    provider,
    { schema: { tags, summary: "Remove the channel's messaging provider and its credentials" } },
    async (request, reply) => {
      await engine.channelProviders.remove(await tenantOf(engine, request), (request.params as Params).id ?? '');
      return reply.code(204).send();
    },
  );
}
