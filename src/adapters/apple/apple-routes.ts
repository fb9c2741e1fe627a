import type { FastifyInstance } from 'fastify';
import { jwtVerify } from 'jose';
import type { Engine } from '../../engine/engine.js';
import { answer, keepRawBodies, rawBody } from '../provider-webhook.js';
import { type AppleSettings, secretKey } from './apple-client.js';
import { readBody, readEvent } from './apple-mapping.js';

type Params = { tenantId: string; channelId: string };

/**
 * Apple Messages for Business: Apple posts each message to `{prefix}/{tenantId}/{channelId}/message`
 * (register `{prefix}/{tenantId}/{channelId}` as the messaging service provider's URL), authenticated
 * with a JWT Apple signs (HS256) with the MSP's secret for the MSP id. Checked before anything is read.
 */
export async function registerAppleRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const tags = ['providers (Apple Messages for Business)'];
  keepRawBodies(app);

  app.post(
    '/:tenantId/:channelId/message',
    { schema: { tags, summary: "Apple's messages: text and close" } },
    async (request, reply) => {
      const params = request.params as Params;
      const resolved = await engine.channelProviders.resolve(params.tenantId, params.channelId);
      const tenant = resolved?.channel.provider?.type === 'apple' ? await engine.store.getTenant(params.tenantId) : null;
      if (!resolved || !tenant) return answer(reply, 404, 'NOT_FOUND', 'No Apple Messages for Business channel at this URL.');
      const settings = resolved.channel.provider?.settings as unknown as AppleSettings;
      const bearer = /^Bearer (\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
      try {
        if (!bearer) throw new Error('no token');
        await jwtVerify(bearer, secretKey(resolved.secrets.apiSecret ?? ''), { audience: settings.mspId, algorithms: ['HS256'] });
      } catch {
        return answer(reply, 401, 'BAD_SIGNATURE', "The Authorization token is not Apple's for this messaging service provider.");
      }
      const body = readBody(rawBody(request.body));
      if (!body) return answer(reply, 400, 'MALFORMED_JSON', 'The body is not JSON (gzipped or not).');
      const event = readEvent(body, request.headers);
      if ('problem' in event) return answer(reply, 400, 'INVALID_VALUE', event.problem);
      if (event.kind === 'other') return reply.code(200).send({ received: true, ignored: event.type });
      if (event.business !== settings.businessId)
        return answer(reply, 404, 'NOT_FOUND', `Business ${event.business} is not this channel's.`);
      if (event.kind === 'close') {
        await engine.messaging.customerEnded(tenant, resolved.channel, { to: event.business, from: event.customer });
        return reply.code(200).send({ received: true });
      }
      const received = await engine.messaging.receive(tenant, resolved.channel, {
        to: event.business,
        from: event.customer,
        externalId: event.id,
        text: event.text,
        attachments: [],
        sentAt: engine.clock.now(),
        customerName: null,
      });
      if (!received) return answer(reply, 404, 'NOT_FOUND', `Business ${event.business} is no entry point of this channel.`);
      return reply.code(200).send({ received: true });
    },
  );
}
