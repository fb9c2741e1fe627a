import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { tenantOf } from '../request-context.js';
import { contactCreate, contactLookupQuery, contactUpdate } from '../schemas.js';
import { registerResourceRoutes } from './resource-routes.js';

/** Contacts: the customers behind interactions, found by phone number or email address. */
export function registerContactRoutes(app: FastifyInstance, engine: Engine): void {
  // The contact a number or address belongs to: how an integration finds (and then updates) a customer.
  app.get(
    '/v1/tenants/:tenantId/contacts/lookup',
    { schema: { tags: ['contacts'], querystring: contactLookupQuery } },
    async (request) => ({
      result: await engine.contacts.lookup(await tenantOf(engine, request), (request.query as { address: string }).address),
    }),
  );
  registerResourceRoutes(app, engine, {
    plural: 'contacts',
    tag: 'contacts',
    operations: engine.contacts,
    createBody: contactCreate,
    updateBody: contactUpdate,
  });
}
