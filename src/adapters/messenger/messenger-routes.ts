import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { handshake, signatureMatches } from '../meta/meta-webhook.js';
import { answer, keepRawBodies, parseJson, rawBody } from '../provider-webhook.js';
import type { MessengerSettings } from './messenger-client.js';
import { readEvents } from './messenger-mapping.js';

type Params = { tenantId: string; channelId: string };

/**
 * The Messenger webhook of a channel: `{prefix}/{tenantId}/{channelId}` is the callback URL to set on
 * the Meta app. GET answers the verification handshake; POST takes messaging events, checked against
 * X-Hub-Signature-256 before anything is read, and answers 200 once they are stored.
 */
export async function registerMessengerRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const tags = ['providers (Messenger)'];
  keepRawBodies(app);

  async function providerOf(params: Params) {
    const resolved = await engine.channelProviders.resolve(params.tenantId, params.channelId);
    return resolved && resolved.channel.provider?.type === 'messenger' ? resolved : null;
  }

  app.get(
    '/:tenantId/:channelId',
    { schema: { tags, summary: "Meta's webhook verification handshake" } },
    async (request, reply) => {
      const resolved = await providerOf(request.params as Params);
      if (!resolved) return answer(reply, 404, 'NOT_FOUND', 'No Messenger channel at this URL.');
      const challenge = handshake(request.query as Record<string, string | undefined>, resolved.secrets.verifyToken ?? '');
      if (challenge === null) return answer(reply, 403, 'FORBIDDEN', 'The verify token does not match.');
      return reply.type('text/plain').send(challenge);
    },
  );

  app.post(
    '/:tenantId/:channelId',
    { schema: { tags, summary: 'Messenger events: messages, deliveries, reads' } },
    async (request, reply) => {
      const params = request.params as Params;
      const resolved = await providerOf(params);
      const tenant = resolved ? await engine.store.getTenant(params.tenantId) : null;
      if (!resolved || !tenant) return answer(reply, 404, 'NOT_FOUND', 'No Messenger channel at this URL.');
      const raw = rawBody(request.body);
      if (!signatureMatches(request.headers['x-hub-signature-256'], raw, resolved.secrets.appSecret ?? '')) {
        return answer(reply, 401, 'BAD_SIGNATURE', 'X-Hub-Signature-256 is not the HMAC-SHA256 of the body with the app secret.');
      }
      const body = parseJson(raw);
      if (body === null) return answer(reply, 400, 'MALFORMED_JSON', 'The body is not valid JSON.');
      const read = readEvents(body);
      if (!read.ok) return answer(reply, 400, 'INVALID_VALUE', read.problem);
      // The page, and that it is an entry point of the channel, are checked before anything is stored.
      const { pageId } = (resolved.channel.provider?.settings ?? {}) as unknown as MessengerSettings;
      const other = read.events.find((event) => event.pageId !== pageId);
      if (other) return answer(reply, 404, 'NOT_FOUND', `Page ${other.pageId} is not this channel's.`);
      const entryPoint = await engine.store.findEntryPointByAddress(tenant.id, resolved.channel.type, pageId);
      if (read.events.length > 0 && entryPoint?.channelId !== resolved.channel.id) {
        return answer(reply, 404, 'NOT_FOUND', `Page ${pageId} is no entry point of this channel.`);
      }
      for (const event of read.events) {
        if (event.kind === 'message') {
          const { customer, externalId, text, attachments, sentAt } = event;
          await engine.messaging.receive(tenant, resolved.channel, {
            to: pageId,
            from: customer,
            externalId,
            text,
            attachments,
            sentAt,
            customerName: null,
          });
        } else if (event.kind === 'delivery') {
          for (const externalId of event.externalIds) {
            await engine.messaging.statusReported(tenant, { externalId, status: 'delivered', at: event.at, error: null });
          }
        } else {
          await engine.messaging.readUpTo(tenant, resolved.channel, { to: pageId, from: event.customer, at: event.at });
        }
      }
      return reply.code(200).send({ received: true });
    },
  );
}
