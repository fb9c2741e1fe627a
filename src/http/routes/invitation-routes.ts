import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { standardResponseCreate, standardResponseUpdate } from '../schemas.js';
import { registerResourceRoutes } from './resource-routes.js';

/** Invitations to chat (seed 001): the standard responses they send. */
export function registerInvitationRoutes(app: FastifyInstance, engine: Engine): void {
  registerResourceRoutes(app, engine, {
    plural: 'standard-responses',
    tag: 'standard responses',
    operations: engine.standardResponses,
    createBody: standardResponseCreate,
    updateBody: standardResponseUpdate,
  });
}
