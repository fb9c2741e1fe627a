import type { FastifyInstance } from 'fastify';
import { checkFreeForm } from '../../core/json-limits.js';
import type { Engine } from '../../engine/engine.js';
import type { EspRequest } from '../../engine/invitations/invite-to-chat.js';
import { tenantOf } from '../request-context.js';
import { espRequest, standardResponseCreate, standardResponseUpdate } from '../schemas.js';
import { registerResourceRoutes } from './resource-routes.js';

/** Invitations to chat (seed 001): the standard responses they send, and the ESP endpoint strategies call. */
export function registerInvitationRoutes(app: FastifyInstance, engine: Engine): void {
  registerResourceRoutes(app, engine, {
    plural: 'standard-responses',
    tag: 'standard responses',
    operations: engine.standardResponses,
    createBody: standardResponseCreate,
    updateBody: standardResponseUpdate,
  });

  app.post(
    '/v1/tenants/:tenantId/esp',
    {
      schema: {
        tags: ['invitations'],
        summary: 'ESP request of a routing strategy: ChatService.InviteToChat (a fault is a 200 with Fault)',
        body: espRequest,
      },
    },
    async (request) => {
      const tenant = await tenantOf(engine, request);
      const body = request.body as EspRequest;
      checkFreeForm(body.UserData, 'UserData');
      checkFreeForm(body.Parameters, 'Parameters');
      const outcome = await engine.invitations.esp(tenant, body);
      return outcome.ok
        ? { Parameters: { _umsChatSessionId: outcome.sessionId } }
        : { Fault: { faultCode: outcome.faultCode, faultString: outcome.faultString } };
    },
  );
}
