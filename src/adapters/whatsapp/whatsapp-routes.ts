import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { handshake, signatureMatches } from '../meta/meta-webhook.js';
import { answer, keepRawBodies, parseJson, rawBody } from '../provider-webhook.js';
import type { WhatsAppSettings } from './whatsapp-client.js';
import { readNotification } from './whatsapp-mapping.js';

type Params = { tenantId: string; channelId: string };

/**
 * The WhatsApp Cloud API webhook of a channel: `{prefix}/{tenantId}/{channelId}` is the callback URL
 * to register with Meta. GET answers Meta's verification handshake; POST takes notifications, checked
 * against X-Hub-Signature-256 before anything is read, and answers 200 once they are stored.
 */
export async function registerWhatsAppRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const tags = ['providers (WhatsApp Cloud API)'];
  keepRawBodies(app);

  async function providerOf(params: Params) {
    const resolved = await engine.channelProviders.resolve(params.tenantId, params.channelId);
    return resolved && resolved.channel.provider?.type === 'whatsapp' ? resolved : null;
  }

  app.get(
    '/:tenantId/:channelId',
    { schema: { tags, summary: "Meta's webhook verification handshake" } },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const resolved = await providerOf(request.params as Params);
      if (!resolved) return answer(reply, 404, 'NOT_FOUND', 'No WhatsApp channel at this URL.');
      const challenge = handshake(query, resolved.secrets.verifyToken ?? '');
      if (challenge === null) return answer(reply, 403, 'FORBIDDEN', 'The verify token does not match.');
      return reply.type('text/plain').send(challenge);
    },
  );

  app.post(
    '/:tenantId/:channelId',
    { schema: { tags, summary: 'WhatsApp notifications: messages and statuses' } },
    async (request, reply) => {
      const params = request.params as Params;
      const resolved = await providerOf(params);
      const tenant = resolved ? await engine.store.getTenant(params.tenantId) : null;
      if (!resolved || !tenant) return answer(reply, 404, 'NOT_FOUND', 'No WhatsApp channel at this URL.');
      const raw = rawBody(request.body);
      if (!signatureMatches(request.headers['x-hub-signature-256'], raw, resolved.secrets.appSecret ?? '')) {
        return answer(reply, 401, 'BAD_SIGNATURE', 'X-Hub-Signature-256 is not the HMAC-SHA256 of the body with the app secret.');
      }
      const body = parseJson(raw);
      if (body === null) return answer(reply, 400, 'MALFORMED_JSON', 'The body is not valid JSON.');
      const settings = resolved.channel.provider?.settings as unknown as WhatsAppSettings;
      const notification = readNotification(body, settings.apiBaseUrl);
      if (!notification.ok) return answer(reply, 400, 'INVALID_VALUE', notification.problem);
      // Every business number is checked before anything is stored: nothing half-written.
      const numbers = new Map(settings.phoneNumbers.map((n) => [n.id, n.address]));
      const unknown = notification.changes.find((change) => !numbers.has(change.phoneNumberId));
      if (unknown) return answer(reply, 404, 'NOT_FOUND', `Phone number id ${unknown.phoneNumberId} is not set on this channel.`);
      for (const address of new Set(notification.changes.map((change) => numbers.get(change.phoneNumberId) as string))) {
        const entryPoint = await engine.store.findEntryPointByAddress(tenant.id, resolved.channel.type, address);
        if (entryPoint?.channelId !== resolved.channel.id) {
          return answer(reply, 404, 'NOT_FOUND', `${address} is no entry point of this channel.`);
        }
      }
      for (const change of notification.changes) {
        const to = numbers.get(change.phoneNumberId) as string;
        for (const message of change.messages) {
          const received = await engine.messaging.receive(tenant, resolved.channel, { ...message, to });
          if (!received) return answer(reply, 404, 'NOT_FOUND', `${to} is no entry point of this channel.`);
        }
        for (const status of change.statuses) await engine.messaging.statusReported(tenant, status);
      }
      return reply.code(200).send({ received: true });
    },
  );
}
