import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { WhatsAppSettings } from './whatsapp-client.js';
import { readNotification } from './whatsapp-mapping.js';

type Params = { tenantId: string; channelId: string };

function answer(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ errors: [{ code, message }] });
}

/** Whether X-Hub-Signature-256 is `sha256=` and the HMAC-SHA256 of the raw body with the app secret. */
export function signatureMatches(header: unknown, raw: Buffer, appSecret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The WhatsApp Cloud API webhook of a channel: `{prefix}/{tenantId}/{channelId}` is the callback URL
 * to register with Meta. GET answers Meta's verification handshake; POST takes notifications, checked
 * against X-Hub-Signature-256 before anything is read, and answers 200 once they are stored.
 */
export async function registerWhatsAppRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const tags = ['providers (WhatsApp Cloud API)'];
  // The signature is over the exact bytes received: the body is kept raw and parsed after the check.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

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
      const token = query['hub.verify_token'] ?? '';
      const expected = resolved.secrets.verifyToken ?? '';
      const same = token.length === expected.length && timingSafeEqual(Buffer.from(token), Buffer.from(expected));
      if (query['hub.mode'] !== 'subscribe' || !same) return answer(reply, 403, 'FORBIDDEN', 'The verify token does not match.');
      return reply.type('text/plain').send(String(query['hub.challenge'] ?? ''));
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
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!signatureMatches(request.headers['x-hub-signature-256'], raw, resolved.secrets.appSecret ?? '')) {
        return answer(reply, 401, 'BAD_SIGNATURE', 'X-Hub-Signature-256 is not the HMAC-SHA256 of the body with the app secret.');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return answer(reply, 400, 'MALFORMED_JSON', 'The body is not valid JSON.');
      }
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
