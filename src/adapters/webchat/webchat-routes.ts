import type {} from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Channel, ConversationMessage, Tenant } from '../../core/model.js';
import type { Engine } from '../../engine/engine.js';
import type { WebchatSettings } from './webchat-client.js';
import { webchatHub } from './webchat-hub.js';
import { createRateLimit, issueSession, readSession, type Session } from './webchat-sessions.js';
import { widgetScript } from './webchat-widget.js';

type Params = { tenantId: string; widgetId: string };

/** Sessions a visitor's address may open a minute, and a widget altogether. */
const perAddress = createRateLimit(10, 60_000);
const perWidget = createRateLimit(600, 60_000);
/** Messages a customer may send in 10 s. */
const perSession = createRateLimit(30, 10_000);
/** Unsent bytes past which a customer socket that does not read is closed. */
const maxBufferedBytes = 256 * 1024;

function answer(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ errors: [{ code, message }] });
}

/** What the customer sees of a message: who wrote it (not which agent), what, and when. */
function shown(message: ConversationMessage) {
  return {
    id: message.id,
    author: message.author,
    direction: message.direction,
    text: message.text,
    attachments: message.attachments ?? [],
    sentAt: message.sentAt,
  };
}

/**
 * Web chat: an entry point of a `chat` channel is a widget id. A page with the widget script opens a
 * session (`POST /webchat/{tenantId}/{widgetId}/sessions`, rate limited per visitor address and per
 * widget) and talks over the customer WebSocket (`/webchat/{tenantId}/{widgetId}/ws?token=`): its
 * messages go in as the customer's, the agent's and the flow's come back. A session sees only its own
 * conversation.
 */
export async function registerWebchatRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const tags = ['web chat'];

  /** The widget's tenant, channel and session key; null when it is no web chat entry point. */
  async function widgetOf(params: Params) {
    const tenant = await engine.store.getTenant(params.tenantId);
    const entryPoint = tenant ? await engine.store.findEntryPointByAddress(tenant.id, 'messaging', params.widgetId) : null;
    const resolved = entryPoint ? await engine.channelProviders.resolve(params.tenantId, entryPoint.channelId) : null;
    if (!tenant || !entryPoint || !resolved || resolved.channel.provider?.type !== 'webchat') return null;
    const settings = resolved.channel.provider.settings as unknown as WebchatSettings;
    return { tenant, channel: resolved.channel, key: resolved.secrets.sessionKey ?? '', settings, widgetId: entryPoint.address };
  }

  /** Whether the page's origin may use the widget; CORS headers for it when it may. */
  function originAllowed(request: FastifyRequest, reply: FastifyReply | null, settings: WebchatSettings): boolean {
    const origin = typeof request.headers.origin === 'string' ? request.headers.origin.toLowerCase() : null;
    const allowed = settings.allowedOrigins.length === 0 || (origin !== null && settings.allowedOrigins.includes(origin));
    if (allowed && origin && reply) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    }
    return allowed;
  }

  app.get(
    '/widget.js',
    { schema: { tags, summary: 'The embeddable chat widget (a script, no framework)' } },
    async (_request, reply) =>
      reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(widgetScript),
  );

  app.options('/:tenantId/:widgetId/sessions', { schema: { hide: true } }, async (request, reply) => {
    const widget = await widgetOf(request.params as Params);
    if (!widget || !originAllowed(request, reply, widget.settings)) return reply.code(404).send();
    return reply
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '600')
      .code(204)
      .send();
  });

  app.post(
    '/:tenantId/:widgetId/sessions',
    { schema: { tags, summary: 'Open a customer chat session' } },
    async (request, reply) => {
      const widget = await widgetOf(request.params as Params);
      if (!widget) return answer(reply, 404, 'NOT_FOUND', 'No web chat widget here.');
      if (!originAllowed(request, reply, widget.settings))
        return answer(reply, 403, 'FORBIDDEN', 'This page may not open chats here.');
      const now = Date.now();
      if (!perAddress(`${widget.widgetId}/${request.ip}`, now) || !perWidget(`${widget.tenant.id}/${widget.widgetId}`, now)) {
        return answer(
          reply.header('retry-after', '60'),
          429,
          'TOO_MANY_REQUESTS',
          'Too many chats opened; try again in a minute.',
        );
      }
      const body = (request.body ?? {}) as Record<string, unknown>;
      const name = typeof body.name === 'string' && body.name.trim() !== '' ? body.name.trim().slice(0, 100) : null;
      if (body.name !== undefined && body.name !== null && typeof body.name !== 'string') {
        return answer(reply, 400, 'INVALID_TYPE', 'name must be a string.');
      }
      const { session, token } = issueSession(widget.key, { tenantId: widget.tenant.id, widgetId: widget.widgetId, name }, now);
      return reply.code(201).send({ sessionId: session.sessionId, token, expiresAt: new Date(session.expiresAt).toISOString() });
    },
  );

  app.get('/:tenantId/:widgetId/ws', { websocket: true, schema: { tags, hide: true } }, async (socket: WebSocket, request) => {
    const refuse = (code: number, reason: string) => {
      socket.send(JSON.stringify({ type: 'error', errors: [{ code: 'FORBIDDEN', message: reason }] }));
      socket.close(code, reason);
    };
    const params = request.params as Params;
    const widget = await widgetOf(params);
    const token = String((request.query as Record<string, unknown>).token ?? '');
    const session = widget
      ? readSession(token, widget.key, { tenantId: widget.tenant.id, widgetId: widget.widgetId }, Date.now())
      : null;
    if (!widget || !session) return refuse(4401, 'No valid chat session.');
    if (!originAllowed(request, null, widget.settings)) return refuse(4403, 'This page may not open chats here.');
    const send = (message: Record<string, unknown>) => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > maxBufferedBytes) return socket.close(4008, 'too much unread');
      socket.send(JSON.stringify(message));
    };
    const unsubscribe = webchatHub.subscribe(widget.tenant.id, widget.widgetId, session.sessionId, send);
    socket.on('close', unsubscribe);
    const who = { to: widget.widgetId, from: session.sessionId };
    const history = await engine.messaging.history(widget.tenant, widget.channel, who);
    send({
      type: 'hello',
      session: { id: session.sessionId, name: session.name, expiresAt: new Date(session.expiresAt).toISOString() },
      messages: history.messages.map(shown),
    });
    let chain: Promise<unknown> = Promise.resolve();
    socket.on('message', (data) => {
      chain = chain.then(() => handle(widget.tenant, widget.channel, session, String(data)));
    });

    async function handle(tenant: Tenant, channel: Channel, current: Session, raw: string): Promise<void> {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send({ type: 'error', errors: [{ code: 'MALFORMED_MESSAGE', message: 'Not JSON.' }] });
      }
      if (current.expiresAt <= Date.now()) return refuse(4401, 'The chat session has expired.');
      if (message.type === 'ping') return send({ type: 'pong' });
      if (message.type === 'end') {
        await engine.messaging.customerEnded(tenant, channel, who);
        return send({ type: 'ended' });
      }
      const text = message.text;
      const clientId = message.id;
      if (message.type !== 'message' || typeof text !== 'string' || text.trim() === '' || text.length > 4096) {
        return send({
          type: 'error',
          errors: [{ code: 'MALFORMED_MESSAGE', message: 'Send {"type":"message","text":"…"} (1 to 4,096 characters).' }],
        });
      }
      if (clientId !== undefined && (typeof clientId !== 'string' || clientId.length > 100)) {
        return send({
          type: 'error',
          errors: [{ code: 'MALFORMED_MESSAGE', message: 'id is a string of at most 100 characters.' }],
        });
      }
      if (!perSession(current.sessionId, Date.now())) {
        return send({
          type: 'error',
          errors: [{ code: 'TOO_MANY_REQUESTS', message: 'Slow down: at most 30 messages in 10 seconds.' }],
        });
      }
      // The client's id makes a resend after a dropped connection harmless: it is stored once.
      const externalId = `${current.sessionId}:${clientId ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`}`;
      const received = await engine.messaging.receive(tenant, channel, {
        to: widget?.widgetId as string,
        from: current.sessionId,
        externalId,
        text,
        attachments: [],
        sentAt: engine.clock.now(),
        customerName: current.name,
      });
      send({ type: 'ack', id: clientId ?? null, stored: received !== null });
    }
  });
}
