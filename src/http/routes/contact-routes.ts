import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { contactCreate, contactUpdate } from '../schemas.js';
import { registerResourceRoutes } from './resource-routes.js';

/** Contacts: the customers behind interactions, found by phone number or email address. */
export function registerContactRoutes(app: FastifyInstance, engine: Engine): void {
  registerResourceRoutes(app, engine, {
    plural: 'contacts',
    tag: 'contacts',
    operations: engine.contacts,
    createBody: contactCreate,
    updateBody: contactUpdate,
  });
}
