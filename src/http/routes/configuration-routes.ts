import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { SimulationRequest } from '../../engine/flow-runner.js';
import { created, listBody, pageRequest, tenantOf } from '../request-context.js';
import {
  agentCreate,
  agentUpdate,
  channelCreate,
  channelUpdate,
  entryPointCreate,
  entryPointSettingsUpdate,
  entryPointUpdate,
  exceptionCreate,
  exceptionUpdate,
  flowCreate,
  flowSimulate,
  flowUpdate,
  flowValidate,
  flowVersionCreate,
  integrationCreate,
  integrationUpdate,
  listQuery,
  mappingBulk,
  mappingCreate,
  mappingUpdate,
  queueCreate,
  queueUpdate,
} from '../schemas.js';
import { registerResourceRoutes } from './resource-routes.js';

type Body = Record<string, unknown>;
type Params = Record<string, string>;

/** Queues, channels and their entry-point settings, entry points, integrations, flows, dispatch mappings. */
export function registerConfigurationRoutes(app: FastifyInstance, engine: Engine): void {
  const config = engine.configuration;
  registerResourceRoutes(app, engine, {
    plural: 'queues',
    tag: 'queues',
    operations: config.queues,
    createBody: queueCreate,
    updateBody: queueUpdate,
    agentsRead: true,
  });
  registerResourceRoutes(app, engine, {
    plural: 'channels',
    tag: 'channels',
    operations: config.channels,
    createBody: channelCreate,
    updateBody: channelUpdate,
  });
  registerResourceRoutes(app, engine, {
    plural: 'entry-points',
    tag: 'entry points',
    operations: config.entryPoints,
    createBody: entryPointCreate,
    updateBody: entryPointUpdate,
  });
  registerResourceRoutes(app, engine, {
    plural: 'integrations',
    tag: 'integrations',
    operations: config.integrations,
    createBody: integrationCreate,
    updateBody: integrationUpdate,
  });
  const { create: _flowCreate, ...flowOperations } = config.flows;
  registerResourceRoutes(app, engine, {
    plural: 'flows',
    tag: 'flows',
    operations: flowOperations,
    createBody: flowCreate,
    updateBody: flowUpdate,
  });
  // Flows answer their creation with the validation warnings of the definition (unreachable steps).
  app.post('/v1/tenants/:tenantId/flows', { schema: { tags: ['flows'], body: flowCreate } }, async (request, reply) => {
    const { flow, warnings } = await config.flows.create(await tenantOf(engine, request), request.body as Body);
    return reply.code(201).send({ result: flow, warnings });
  });
  app.post('/v1/tenants/:tenantId/flows/validate', { schema: { tags: ['flows'], body: flowValidate } }, async (request) => ({
    result: await config.flows.validate(await tenantOf(engine, request), request.body as Body),
  }));
  registerResourceRoutes(app, engine, {
    plural: 'agents',
    tag: 'agents',
    operations: config.agents,
    createBody: agentCreate,
    updateBody: agentUpdate,
  });

  // Dispatch mappings: the standard routes plus the bulk enable/disable of CONTRACT 0(c) 17.
  const mappings = '/v1/tenants/:tenantId/dispatch-mappings';
  app.patch(mappings, { schema: { tags: ['dispatch mappings'], body: mappingBulk } }, async (request) => {
    const body = request.body as { ids: string[]; active: boolean };
    return { result: await config.dispatchMappings.setActive(await tenantOf(engine, request), body.ids, body.active) };
  });
  registerResourceRoutes(app, engine, {
    plural: 'dispatch-mappings',
    tag: 'dispatch mappings',
    operations: config.dispatchMappings,
    createBody: mappingCreate,
    updateBody: mappingUpdate,
  });

  const versions = '/v1/tenants/:tenantId/flows/:flowId/versions';
  const flowTags = ['flows'];
  app.post(versions, { schema: { tags: flowTags, body: flowVersionCreate } }, async (request, reply) => {
    const { flowId } = request.params as Params;
    const { version, warnings } = await config.flows.createVersion(
      await tenantOf(engine, request),
      String(flowId),
      request.body as Body,
    );
    return reply.code(201).send({ result: version, warnings });
  });
  app.post(`${versions}/:versionId/simulate`, { schema: { tags: flowTags, body: flowSimulate } }, async (request) => {
    const { flowId, versionId } = request.params as Params;
    return {
      result: await engine.flows.simulate(
        await tenantOf(engine, request),
        String(flowId),
        String(versionId),
        request.body as SimulationRequest,
      ),
    };
  });
  app.get(versions, { schema: { tags: flowTags, querystring: listQuery } }, async (request) => {
    const { flowId } = request.params as Params;
    return listBody(await config.flows.listVersions(await tenantOf(engine, request), String(flowId), pageRequest(request)));
  });
  app.get(`${versions}/:versionId`, { schema: { tags: flowTags } }, async (request) => {
    const { flowId, versionId } = request.params as Params;
    return { result: await config.flows.getVersion(await tenantOf(engine, request), String(flowId), String(versionId)) };
  });

  const settings = '/v1/tenants/:tenantId/channels/:channelId/entry-point-settings';
  const settingsTags = ['entry-point settings'];
  app.get(settings, { schema: { tags: settingsTags } }, async (request) => {
    const { channelId } = request.params as Params;
    return { result: await config.entryPointSettings.get(await tenantOf(engine, request), String(channelId)) };
  });
  app.put(settings, { schema: { tags: settingsTags, body: entryPointSettingsUpdate } }, async (request) => {
    const { channelId } = request.params as Params;
    return {
      result: await config.entryPointSettings.replace(await tenantOf(engine, request), String(channelId), request.body as Body),
    };
  });
  app.post(`${settings}/exceptions`, { schema: { tags: settingsTags, body: exceptionCreate } }, async (request, reply) => {
    const { channelId } = request.params as Params;
    return created(
      reply,
      await config.entryPointSettings.createException(await tenantOf(engine, request), String(channelId), request.body as Body),
    );
  });
  app.get(`${settings}/exceptions/:entryPointId`, { schema: { tags: settingsTags } }, async (request) => {
    const { channelId, entryPointId } = request.params as Params;
    return {
      result: await config.entryPointSettings.getException(
        await tenantOf(engine, request),
        String(channelId),
        String(entryPointId),
      ),
    };
  });
  app.put(`${settings}/exceptions/:entryPointId`, { schema: { tags: settingsTags, body: exceptionUpdate } }, async (request) => {
    const { channelId, entryPointId } = request.params as Params;
    return {
      result: await config.entryPointSettings.updateException(
        await tenantOf(engine, request),
        String(channelId),
        String(entryPointId),
        request.body as Body,
      ),
    };
  });
  app.delete(`${settings}/exceptions/:entryPointId`, { schema: { tags: settingsTags } }, async (request, reply) => {
    const { channelId, entryPointId } = request.params as Params;
    await config.entryPointSettings.deleteException(await tenantOf(engine, request), String(channelId), String(entryPointId));
    return reply.code(204).send();
  });
}
