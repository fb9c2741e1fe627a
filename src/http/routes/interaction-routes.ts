import type { FastifyInstance, FastifyRequest } from 'fastify';
import { normalizeEmail, normalizePhoneNumber } from '../../core/address.js';
import { AppError, apiError, notFound } from '../../core/errors.js';
import type { InteractionState, Tenant } from '../../core/model.js';
import type { Engine } from '../../engine/engine.js';
import type { InteractionFilter } from '../../store/store.js';
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
    const tenant = await tenantOf(engine, request);
    const filter = interactionFilter(tenant, request.query as Record<string, string | undefined>);
    return listBody(await interactions.list(tenant, filter, pageRequest(request)));
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
  // The customer's contact record and latest interactions, for whoever may read this interaction.
  app.get(`${base}/:id/customer-record`, { schema: { tags }, config: agentAccess }, async (request) => {
    const interaction = await visible(request, (request.params as Params).id ?? '');
    return { result: await engine.contacts.customerRecord(await tenantOf(engine, request), interaction) };
  });
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

/** A search's query as a store filter: the customer's address normalized as stored, times as ISO UTC. */
function interactionFilter(tenant: Tenant, query: Record<string, string | undefined>): InteractionFilter {
  const filter: InteractionFilter = {};
  if (query.state) filter.state = query.state as InteractionState;
  if (query.queueId) filter.queueId = query.queueId;
  if (query.customer) {
    const customer = query.customer.includes('@')
      ? normalizeEmail(query.customer)
      : normalizePhoneNumber(query.customer, tenant.defaultCountry);
    // Not a phone number or an email address (a chat id…): searched as given.
    filter.customer = customer ?? query.customer;
  }
  for (const name of ['createdFrom', 'createdBefore'] as const) {
    const value = query[name];
    if (value === undefined) continue;
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new AppError(apiError('INVALID_VALUE', `${name} is an ISO 8601 time.`, name));
    filter[name] = new Date(at).toISOString();
  }
  return filter;
}
