import type { FastifyInstance } from 'fastify';
import type { Page, PageRequest, Tenant } from '../../core/model.js';
import type { Engine } from '../../engine/engine.js';
import { created, listBody, pageRequest, tenantOf } from '../request-context.js';
import { listQuery, type Schema } from '../schemas.js';

type Body = Record<string, unknown>;

/** The five operations of a tenant-scoped configuration resource. */
export interface ResourceOperations<T> {
  /** Absent when the resource registers its own POST (flows answer with validation warnings too). */
  create?(tenant: Tenant, body: Body): Promise<T>;
  get(tenant: Tenant, id: string): Promise<T>;
  list(tenant: Tenant, page: PageRequest): Promise<Page<T>>;
  update(tenant: Tenant, id: string, body: Body): Promise<T>;
  remove(tenant: Tenant, id: string): Promise<void>;
}

export interface ResourceRoutes<T> {
  /** Plural kebab-case segment: `/v1/tenants/{tenantId}/<plural>`. */
  plural: string;
  /** OpenAPI tag. */
  tag: string;
  operations: ResourceOperations<T>;
  createBody: Schema;
  updateBody: Schema;
  /** Whether agents may read it (queues: the agent desktop's transfer targets). */
  agentsRead?: boolean;
}

/**
 * POST (201), GET list (paginated), GET one, PUT (partial update: fields not sent keep their value)
 * and DELETE (204) for one resource, all scoped to the tenant of the path.
 */
export function registerResourceRoutes<T>(app: FastifyInstance, engine: Engine, spec: ResourceRoutes<T>): void {
  const base = `/v1/tenants/:tenantId/${spec.plural}`;
  const tags = [spec.tag];
  const ops = spec.operations;
  const create = ops.create;
  if (create) {
    app.post(base, { schema: { tags, body: spec.createBody } }, async (request, reply) =>
      created(reply, await create(await tenantOf(engine, request), request.body as Body)),
    );
  }
  const reads = { agentAccess: spec.agentsRead === true };
  app.get(base, { schema: { tags, querystring: listQuery }, config: reads }, async (request) =>
    listBody(await ops.list(await tenantOf(engine, request), pageRequest(request))),
  );
  app.get(`${base}/:id`, { schema: { tags }, config: reads }, async (request) => ({
    result: await ops.get(await tenantOf(engine, request), (request.params as { id: string }).id),
  }));
  app.put(`${base}/:id`, { schema: { tags, body: spec.updateBody } }, async (request) => ({
    result: await ops.update(await tenantOf(engine, request), (request.params as { id: string }).id, request.body as Body),
  }));
  app.delete(`${base}/:id`, { schema: { tags } }, async (request, reply) => {
    await ops.remove(await tenantOf(engine, request), (request.params as { id: string }).id);
    return reply.code(204).send();
  });
}
