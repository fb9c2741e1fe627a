import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, apiError, notFound } from '../../core/errors.js';
import type { InteractionState } from '../../core/model.js';
import type { Engine } from '../../engine/engine.js';
import { created, createdOrReplayed, idempotencyKeyOf, listBody, pageRequest, tenantOf } from '../request-context.js';
import {
  flowInput,
  inboundContactCreate,
  interactionCreate,
  interactionListQuery,
  interactionUpdate,
  transferCreate,
  voicemailRecording,
} from '../schemas.js';

type Body = Record<string, unknown>;
type Params = Record<string, string>;

/** Interactions: creation through dispatch, reading with history, contacts, transfers; queue waiting lists. */
export function registerInteractionRoutes(app: FastifyInstance, engine: Engine): void {
  const interactions = engine.interactions;
  const tags = ['interactions'];
  const base = '/v1/tenants/:tenantId/interactions';

  app.post(base, { schema: { tags, body: interactionCreate } }, async (request, reply) => {
    const key = idempotencyKeyOf(request);
    return createdOrReplayed(reply, await interactions.create(await tenantOf(engine, request), request.body as Body, key));
  });
  app.get(base, { schema: { tags, querystring: interactionListQuery } }, async (request) => {
    const { state } = request.query as { state?: InteractionState };
    return listBody(await interactions.list(await tenantOf(engine, request), state ? { state } : {}, pageRequest(request)));
  });
  /** An agent reads and transfers only work offered to them, theirs now, or handled by them. */
  const agentAccess = { agentAccess: true };
  async function visible(request: FastifyRequest, id: string) {
    const interaction = await interactions.get(await tenantOf(engine, request), id);
    const principal = request.principal;
    if (
      principal?.kind === 'agent' &&
      interaction.agentId !== principal.agentId &&
      interaction.offer?.agentId !== principal.agentId
    ) {
      throw notFound('interaction');
    }
    return interaction;
  }
  app.get(`${base}/:id`, { schema: { tags }, config: agentAccess }, async (request) => ({
    result: await visible(request, (request.params as Params).id ?? ''),
  }));
  app.patch(`${base}/:id`, { schema: { tags, body: interactionUpdate } }, async (request) => ({
    result: await interactions.update(await tenantOf(engine, request), (request.params as Params).id ?? '', request.body as Body),
  }));
  app.post(`${base}/:id/inbound-contacts`, { schema: { tags, body: inboundContactCreate } }, async (request, reply) =>
    created(
      reply,
      await interactions.addInboundContact(
        await tenantOf(engine, request),
        (request.params as Params).id ?? '',
        request.body as Body,
      ),
    ),
  );
  app.post(`${base}/:id/transfers`, { schema: { tags, body: transferCreate }, config: agentAccess }, async (request, reply) => {
    const id = (request.params as Params).id ?? '';
    const principal = request.principal;
    if (principal?.kind === 'agent' && (await visible(request, id)).agentId !== principal.agentId) {
      throw new AppError(apiError('FORBIDDEN', 'An agent transfers work they hold.'));
    }
    return created(reply, await interactions.transfer(await tenantOf(engine, request), id, request.body as Body));
  });

  // The voice provider reports the recording of a voicemail a flow's voicemail step took: it becomes work.
  app.post(`${base}/:id/voicemail`, { schema: { tags, body: voicemailRecording } }, async (request, reply) => {
    const id = (request.params as Params).id ?? '';
    return createdOrReplayed(
      reply,
      await interactions.recordVoicemail(await tenantOf(engine, request), id, request.body as Body),
    );
  });
  app.post(`${base}/:id/inputs`, { schema: { tags, body: flowInput } }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const id = (request.params as Params).id ?? '';
    await engine.flows.input(tenant, id, (request.body as { value: string }).value);
    return { result: await interactions.get(tenant, id) };
  });

  app.get('/v1/tenants/:tenantId/queues/:queueId/waiting', { schema: { tags: ['queues'] } }, async (request) => {
    const { limit } = pageRequest(request);
    const tenant = await tenantOf(engine, request);
    const queueId = (request.params as Params).queueId ?? '';
    const result = await interactions.waiting(tenant, queueId, limit);
    // Why each item still waits, as the router sees it now.
    const reasons = new Map((await engine.router.whyWaiting(tenant.id, queueId)).map((r) => [r.interactionId, r.why]));
    return { result: result.map((item) => ({ ...item, why: reasons.get(item.id) ?? null })), nextCursor: null };
  });
}
