import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { created, listBody, pageRequest, tenantOf } from '../request-context.js';
import { userCreate, userUpdate } from '../schemas.js';

type Body = Record<string, unknown>;
type Params = Record<string, string>;

/** The web UI's users of a tenant: agents, supervisors and administrators, and their invitations. */
export function registerUserRoutes(app: FastifyInstance, engine: Engine): void {
  const users = engine.accounts.users;
  const tags = ['users'];
  const base = '/v1/tenants/:tenantId/users';

  app.post(
    base,
    { schema: { tags, summary: 'Add a user: with a password, or with an invitation to choose one', body: userCreate } },
    async (request, reply) => {
      const { user, invitation } = await users.create(await tenantOf(engine, request), request.body as Body);
      return created(reply, { ...user, invitation });
    },
  );
  app.get(base, { schema: { tags } }, async (request) =>
    listBody(await users.list(await tenantOf(engine, request), pageRequest(request))),
  );
  app.get(`${base}/:id`, { schema: { tags } }, async (request) => ({
    result: await users.get(await tenantOf(engine, request), (request.params as Params).id ?? ''),
  }));
  app.patch(`${base}/:id`, { schema: { tags, body: userUpdate } }, async (request) => ({
    result: await users.update(await tenantOf(engine, request), (request.params as Params).id ?? '', request.body as Body),
  }));
  app.delete(`${base}/:id`, { schema: { tags } }, async (request, reply) => {
    await users.remove(await tenantOf(engine, request), (request.params as Params).id ?? '');
    return reply.code(204).send();
  });
  app.post(
    `${base}/:id/invitations`,
    { schema: { tags, summary: 'A new invitation link for the user' } },
    async (request, reply) =>
      created(reply, await users.invite(await tenantOf(engine, request), (request.params as Params).id ?? '')),
  );
}
