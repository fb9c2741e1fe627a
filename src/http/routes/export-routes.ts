import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { listBody, pageRequest, tenantOf } from '../request-context.js';
import { exportsQuery } from '../schemas.js';

/** Call exports (seed 004): finished calls on their way to integrations, with their assignee and delivery. */
export function registerExportRoutes(app: FastifyInstance, engine: Engine): void {
  app.get(
    '/v1/tenants/:tenantId/exports',
    { schema: { tags: ['exports'], summary: 'Call exports in creation order, or one call’s', querystring: exportsQuery } },
    async (request) => {
      const { interactionId } = request.query as { interactionId?: string };
      const filter = interactionId ? { interactionId } : {};
      return listBody(await engine.callExports.list(await tenantOf(engine, request), filter, pageRequest(request)));
    },
  );
  app.get(
    '/v1/tenants/:tenantId/exports/:id',
    { schema: { tags: ['exports'], summary: 'One call export' } },
    async (request) => ({
      result: await engine.callExports.get(await tenantOf(engine, request), (request.params as { id: string }).id),
    }),
  );
}
