import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { created, listBody, pageRequest, tenantOf } from '../request-context.js';
import { callCenterCreate, callCenterUpdate, listQuery, routingMapCreate, routingMapUpdate } from '../schemas.js';
import { registerResourceRoutes } from './resource-routes.js';

type Body = Record<string, unknown>;
type Params = { callCenterId: string; id: string };

/** Call centers (a telephony provider's JWT issuer and keys) and their routing maps. */
export function registerCallCenterRoutes(app: FastifyInstance, engine: Engine): void {
  const { callCenters, routingMaps } = engine.callCenters;
  registerResourceRoutes(app, engine, {
    plural: 'call-centers',
    tag: 'call centers',
    operations: callCenters,
    createBody: callCenterCreate,
    updateBody: callCenterUpdate,
  });
  const base = '/v1/tenants/:tenantId/call-centers/:callCenterId/routing-maps';
  const tags = ['call centers'];
  app.post(base, { schema: { tags, body: routingMapCreate } }, async (request, reply) => {
    const { callCenterId } = request.params as Params;
    return created(reply, await routingMaps.create(await tenantOf(engine, request), callCenterId, request.body as Body));
  });
  app.get(base, { schema: { tags, querystring: listQuery } }, async (request) => {
    const { callCenterId } = request.params as Params;
    return listBody(await routingMaps.list(await tenantOf(engine, request), callCenterId, pageRequest(request)));
  });
  app.get(`${base}/:id`, { schema: { tags } }, async (request) => {
    const { callCenterId, id } = request.params as Params;
    return { result: await routingMaps.get(await tenantOf(engine, request), callCenterId, id) };
  });
  app.put(`${base}/:id`, { schema: { tags, body: routingMapUpdate } }, async (request) => {
    const { callCenterId, id } = request.params as Params;
    return { result: await routingMaps.update(await tenantOf(engine, request), callCenterId, id, request.body as Body) };
  });
  app.delete(`${base}/:id`, { schema: { tags } }, async (request, reply) => {
    const { callCenterId, id } = request.params as Params;
    await routingMaps.remove(await tenantOf(engine, request), callCenterId, id);
    return reply.code(204).send();
  });
}
