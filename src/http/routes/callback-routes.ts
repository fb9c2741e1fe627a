import type { FastifyInstance } from 'fastify';
import type { OutboundCallStatus } from '../../core/callbacks.js';
import { AppError, apiError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { created, createdOrReplayed, idempotencyKeyOf, tenantOf } from '../request-context.js';
import { callbackCreate, callStatusReport, outboundCallCreate } from '../schemas.js';

type Body = Record<string, unknown>;
type Params = Record<string, string>;

/** Callbacks asked for by agents, the outbound calls agents place, and how those calls go. */
export function registerCallbackRoutes(app: FastifyInstance, engine: Engine): void {
  const callbacks = engine.callbacks;
  const tags = ['interactions'];
  const agentAccess = { agentAccess: true };

  app.post(
    '/v1/tenants/:tenantId/interactions/:id/callbacks',
    {
      schema: {
        tags,
        summary: "A callback of the interaction's customer: work in a queue, at once or at a time",
        body: callbackCreate,
      },
      config: agentAccess,
    },
    async (request, reply) => {
      const tenant = await tenantOf(engine, request);
      const agentId = request.principal?.kind === 'agent' ? request.principal.agentId : null;
      const key = idempotencyKeyOf(request);
      const id = (request.params as Params).id ?? '';
      return createdOrReplayed(reply, await callbacks.request(tenant, id, request.body as Body, key, agentId));
    },
  );

  app.post(
    '/v1/tenants/:tenantId/outbound-calls',
    {
      schema: {
        tags,
        summary: 'An agent places a call (for a callback the agent accepted: its next attempt)',
        body: outboundCallCreate,
      },
      config: agentAccess,
    },
    async (request, reply) => {
      const tenant = await tenantOf(engine, request);
      const body = request.body as Body;
      const principal = request.principal;
      const given = typeof body.agentId === 'string' ? body.agentId : undefined;
      if (principal?.kind === 'agent' && given !== undefined && given !== principal.agentId) {
        throw new AppError(apiError('FORBIDDEN', 'An agent token places calls for its own agent only.'));
      }
      const agentId = principal?.kind === 'agent' ? principal.agentId : given;
      if (!agentId) throw new AppError(apiError('REQUIRED', 'agentId is required when not using an agent token.', 'agentId'));
      return created(reply, await engine.agentCalls.placeCall(tenant, agentId, body));
    },
  );

  app.post(
    '/v1/tenants/:tenantId/interactions/:id/call-status',
    {
      schema: {
        tags,
        summary: 'The provider reports how an outbound call goes (answered, ended, not answered)',
        body: callStatusReport,
      },
      config: agentAccess,
    },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const agentId = request.principal?.kind === 'agent' ? request.principal.agentId : null;
      const { status } = request.body as { status: OutboundCallStatus };
      return { result: await engine.agentCalls.callStatus(tenant, (request.params as Params).id ?? '', status, agentId) };
    },
  );
}
