import type { FastifyInstance } from 'fastify';
import { AppError, apiError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { created, listBody, pageRequest, tenantOf } from '../request-context.js';
import { eventsQuery, listQuery, statsQuery, webhookCreate, webhookUpdate } from '../schemas.js';

type Body = Record<string, unknown>;
type Params = Record<string, string>;

/** The event feed, webhook subscriptions and queue statistics. */
export function registerEventRoutes(app: FastifyInstance, engine: Engine): void {
  app.get('/v1/tenants/:tenantId/events', { schema: { tags: ['events'], querystring: eventsQuery } }, async (request) => {
    const tenant = await tenantOf(engine, request);
    const query = request.query as { after?: string; limit?: string; type?: string };
    const after = query.after === undefined ? 0 : Number(query.after);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new AppError(apiError('INVALID_VALUE', 'after must be the seq of an event (an integer ≥ 0).', 'after'));
    }
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new AppError(apiError('INVALID_VALUE', 'limit must be an integer from 1 to 1000.', 'limit'));
    }
    const types = query.type
      ? query.type
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : undefined;
    const events = await engine.store.listEvents(tenant.id, after, limit, types);
    const last = events[events.length - 1];
    // The cursor is the seq of the last event: pass it as ?after= for the next page (and to poll).
    return { result: events, nextCursor: last ? String(last.seq) : null };
  });

  const webhooks = engine.webhooks;
  const base = '/v1/tenants/:tenantId/webhooks';
  const tags = ['webhooks'];
  app.post(base, { schema: { tags, body: webhookCreate } }, async (request, reply) => {
    const { webhook, secret } = await webhooks.create(await tenantOf(engine, request), request.body as Body);
    // The signing secret is shown this once.
    return created(reply, { ...webhook, secret });
  });
  app.get(base, { schema: { tags, querystring: listQuery } }, async (request) =>
    listBody(await webhooks.list(await tenantOf(engine, request), pageRequest(request))),
  );
  app.get(`${base}/:id`, { schema: { tags } }, async (request) => ({
    result: await webhooks.get(await tenantOf(engine, request), (request.params as Params).id ?? ''),
  }));
  app.put(`${base}/:id`, { schema: { tags, body: webhookUpdate } }, async (request) => ({
    result: await webhooks.update(await tenantOf(engine, request), (request.params as Params).id ?? '', request.body as Body),
  }));
  app.delete(`${base}/:id`, { schema: { tags } }, async (request, reply) => {
    await webhooks.remove(await tenantOf(engine, request), (request.params as Params).id ?? '');
    return reply.code(204).send();
  });

  app.get(
    '/v1/tenants/:tenantId/queues/:queueId/stats',
    { schema: { tags: ['queues'], querystring: statsQuery } },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const { queueId } = request.params as Params;
      await engine.configuration.queues.get(tenant, queueId ?? '');
      const raw = (request.query as { windowMinutes?: string }).windowMinutes;
      const windowMinutes = raw === undefined ? 60 : Number(raw);
      if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 1440) {
        throw new AppError(apiError('INVALID_VALUE', 'windowMinutes must be an integer from 1 to 1440.', 'windowMinutes'));
      }
      return { result: await engine.queueStats(tenant, queueId ?? '', windowMinutes) };
    },
  );
  app.get(
    '/v1/tenants/:tenantId/queues/:queueId/series',
    { schema: { tags: ['queues'], summary: "The queue's last hour in 5-minute slices: answered, within SLA, abandoned" } },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const { queueId } = request.params as Params;
      await engine.configuration.queues.get(tenant, queueId ?? '');
      return { result: await engine.queueSeries(tenant, queueId ?? ''), nextCursor: null };
    },
  );
}
