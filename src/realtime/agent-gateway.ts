import type {} from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { type ApiError, AppError, apiError } from '../core/errors.js';
import type { AgentMessage } from '../engine/agent-hub.js';
import type { Engine } from '../engine/engine.js';

/** The version of the agent protocol (docs/agent-protocol.md); it changes only with a breaking change. */
export const agentProtocolVersion = 1;

type ClientMessage =
  | { type: 'accept' | 'reject' | 'end' | 'requeue'; interactionId: string; requestId?: string }
  | { type: 'complete'; interactionId: string; disposition?: string | null; notes?: string | null; requestId?: string }
  | { type: 'presence'; status: 'offline' | 'available' | 'away'; reason?: string | null; requestId?: string }
  | { type: 'ping'; requestId?: string }
  | { type: 'subscribe'; queueIds: string[]; requestId?: string }
  | { type: 'send'; interactionId: string; text?: unknown; attachments?: unknown; template?: unknown; requestId?: string };

/**
 * What a connection may have waiting to be sent. A client that stops reading (while it keeps sending)
 * would otherwise make the server buffer its answers without end; past this it is disconnected with
 * close code 4008. Its work is safe: offers and held interactions are stored, and the next
 * connection's greeting lists them.
 */
export const maxBufferedBytes = 1024 * 1024;
/** Messages received and not yet handled, for the same reason. */
const maxUnhandledMessages = 1000;
/** Echoed in answers, so bounded: a long one would multiply what the server buffers. */
const maxRequestIdLength = 200;

const isId = (value: unknown) => typeof value === 'string' && value.length <= 100;

function parseMessage(raw: string): ClientMessage | null {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return null;
  }
  if (message === null || typeof message !== 'object') return null;
  const m = message as Record<string, unknown>;
  if (m.requestId !== undefined && !(typeof m.requestId === 'string' && m.requestId.length <= maxRequestIdLength)) return null;
  if (m.type === 'complete') {
    const text = (value: unknown, max: number) =>
      value === undefined || value === null || (typeof value === 'string' && value.length <= max);
    return isId(m.interactionId) && text(m.disposition, 100) && text(m.notes, 4000) ? (m as ClientMessage) : null;
  }
  if (['accept', 'reject', 'end', 'requeue'].includes(String(m.type))) {
    return isId(m.interactionId) ? (m as ClientMessage) : null;
  }
  if (m.type === 'presence') {
    const valid = ['offline', 'available', 'away'].includes(String(m.status));
    const reason = m.reason === undefined || m.reason === null || (typeof m.reason === 'string' && m.reason.length <= 200);
    return valid && reason ? (m as ClientMessage) : null;
  }
  if (m.type === 'ping') return m as ClientMessage;
  // The content is checked by the messaging service, as for POST …/interactions/{id}/messages.
  if (m.type === 'send') return isId(m.interactionId) ? (m as ClientMessage) : null;
  if (m.type === 'subscribe') {
    const ids = m.queueIds;
    return Array.isArray(ids) && ids.length <= 100 && ids.every(isId) ? (m as ClientMessage) : null;
  }
  return null;
}

/**
 * The agent WebSocket: `GET /v1/tenants/{tenantId}/agents/ws`, authenticated by an agent token
 * (Authorization header, or `access_token` in the query for browsers). It sends the agent what the
 * router publishes for them and carries their accept, reject, end, complete and presence requests;
 * every request gets a `result` with its `requestId`.
 */
export function registerAgentGateway(app: FastifyInstance, engine: Engine): void {
  app.get(
    '/v1/tenants/:tenantId/agents/ws',
    { websocket: true, config: { agentAccess: true }, schema: { tags: ['agents'], hide: true } },
    async (socket: WebSocket, request) => {
      const principal = request.principal;
      const { tenantId } = request.params as { tenantId: string };
      // A message may report what an operation applied: it leaves once that is durable. The promises
      // resolve in the order they were made, so messages keep their order. Messages that become
      // durable together (an offer, the results of an accept and an end) leave in one write: the
      // connection is corked until the promises of this turn have run.
      const connection = request.raw.socket;
      const overloaded = (why: string) => {
        if (socket.readyState !== socket.OPEN) return;
        request.log.warn({ agentId: request.principal?.kind === 'agent' ? request.principal.agentId : null }, why);
        // The close frame queues behind what the client did not read; ws destroys the socket if the
        // closing handshake does not finish within its own time-out.
        socket.close(4008, 'too much unread');
      };
      const deliver = (text: string) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > maxBufferedBytes) {
          overloaded('agent WebSocket closed: the client does not read what it is sent');
          return;
        }
        if (connection.writableCorked === 0) {
          connection.cork();
          process.nextTick(() => connection.uncork());
        }
        socket.send(text);
      };
      const send = (message: AgentMessage) => {
        const text = JSON.stringify(message);
        engine.store.committed().then(
          () => deliver(text),
          () => undefined,
        );
      };
      if (principal?.kind !== 'agent' || principal.tenantId !== tenantId) {
        const errors = [apiError('FORBIDDEN', 'The agent WebSocket needs an agent token of this tenant.')];
        socket.send(JSON.stringify({ type: 'error', errors }));
        socket.close(4403, 'forbidden');
        return;
      }
      const { agentId } = principal;
      // Messages are taken from the first moment and handled, in order, once the greeting is sent.
      let ready: Promise<unknown> = Promise.resolve();
      let chain: Promise<unknown> = Promise.resolve();
      let unhandled = 0;
      socket.on('message', (data) => {
        if (socket.readyState !== socket.OPEN) return;
        if (++unhandled > maxUnhandledMessages) {
          overloaded('agent WebSocket closed: the client sends faster than its requests are handled');
          return;
        }
        chain = chain
          .then(() => ready)
          .then(() => handle(String(data)))
          .finally(() => {
            unhandled -= 1;
          });
      });
      // Subscribe before reading the state, so nothing published in between is missed.
      const unsubscribe = engine.hub.subscribe(tenantId, agentId, send);
      // The tenant moved to another node of a cluster: 1012 (service restart) tells the client to reconnect.
      const moved = engine.hub.onTenantClosed(tenantId, () => socket.close(1012, 'tenant moved; reconnect'));
      const queueSubscriptions = new Map<string, () => void>();
      const pending = new Map<string, () => void>();
      socket.on('close', () => {
        unsubscribe();
        moved();
        for (const stop of [...queueSubscriptions.values(), ...pending.values()]) stop();
      });
      const tenant = await engine.store.getTenant(tenantId);
      /** Sends a queue's statistics; changes coming faster than once a second are folded into one push. */
      const pushStats = async (queueId: string) => {
        if (!tenant) return;
        send({ type: 'queue.stats', stats: await engine.queueStats(tenant, queueId, 60) });
      };
      const statsChanged = (queueId: string) => {
        if (pending.has(queueId)) return;
        const at = new Date(Date.parse(engine.clock.now()) + 1000).toISOString();
        pending.set(
          queueId,
          engine.clock.setTimer(at, () => {
            pending.delete(queueId);
            void pushStats(queueId).catch(() => undefined);
          }),
        );
      };
      let greeted: () => void = () => undefined;
      ready = new Promise<void>((resolve) => {
        greeted = resolve;
      });
      const agent = await engine.store.agents.get(tenantId, agentId);
      const held = await engine.router.heldBy(tenantId, agentId);
      send({
        type: 'hello',
        protocol: agentProtocolVersion,
        agent: agent ? { id: agent.id, name: agent.name, email: agent.email, presence: agent.presence } : null,
        offers: held
          .filter((interaction) => interaction.state === 'offered')
          .map((interaction) => ({ offer: interaction.offer, interaction: engine.router.summary(interaction) })),
        // Work the agent accepted and has not finished (after a reconnect or a restart): end and complete it.
        held: held
          .filter((interaction) => interaction.state !== 'offered')
          .map((interaction) => engine.router.summary(interaction)),
      });
      greeted();

      async function handle(raw: string): Promise<void> {
        const message = parseMessage(raw);
        if (!message) {
          send({ type: 'error', errors: [apiError('MALFORMED_MESSAGE', 'Not a message of the agent protocol.')] });
          return;
        }
        const requestId = message.requestId ?? null;
        try {
          switch (message.type) {
            case 'ping':
              send({ type: 'pong', requestId });
              return;
            case 'subscribe': {
              const queues = [];
              for (const queueId of message.queueIds) {
                const queue = await engine.store.queues.get(tenantId, queueId);
                if (!queue) throw new AppError(apiError('NOT_FOUND', `No such queue: ${queueId}.`, 'queueIds'));
                queues.push(queue.id);
              }
              for (const queueId of queues) {
                if (!queueSubscriptions.has(queueId)) {
                  queueSubscriptions.set(queueId, engine.hub.subscribeQueue(tenantId, queueId, statsChanged));
                }
              }
              send({ type: 'result', requestId, ok: true, queueIds: queues });
              for (const queueId of queues) await pushStats(queueId);
              return;
            }
            case 'send': {
              const { text, attachments, template } = message;
              const tenant = await engine.store.getTenant(tenantId);
              if (!tenant) throw new AppError(apiError('NOT_FOUND', 'No such tenant.'));
              const sent = await engine.messaging.send(tenant, message.interactionId, { text, attachments, template }, agentId);
              send({ type: 'result', requestId, ok: true, message: sent });
              return;
            }
            case 'presence': {
              const updated = await engine.router.setPresence(tenantId, agentId, message.status, message.reason ?? null);
              send({ type: 'result', requestId, ok: true, presence: updated.presence });
              return;
            }
            case 'accept':
            case 'reject': {
              const interaction =
                message.type === 'accept'
                  ? await engine.router.accept(tenantId, message.interactionId, agentId)
                  : await engine.router.reject(tenantId, message.interactionId, agentId);
              send({ type: 'result', requestId, ok: true, interaction: engine.router.summary(interaction) });
              return;
            }
            case 'end':
            case 'complete':
            case 'requeue': {
              const interaction =
                message.type === 'end'
                  ? await engine.router.end(tenantId, message.interactionId, 'agent', agentId)
                  : message.type === 'complete'
                    ? await engine.router.complete(tenantId, message.interactionId, agentId, null, {
                        disposition: message.disposition?.trim() || null,
                        notes: message.notes?.trim() || null,
                      })
                    : await engine.router.requeue(tenantId, message.interactionId, agentId);
              send({ type: 'result', requestId, ok: true, interaction: engine.router.summary(interaction) });
              return;
            }
          }
        } catch (error) {
          const errors: ApiError[] = error instanceof AppError ? error.errors : [apiError('INTERNAL', 'Internal error.')];
          if (!(error instanceof AppError)) request.log.error({ err: error }, 'agent message failed');
          send({ type: 'result', requestId, ok: false, errors });
        }
      }
    },
  );
}
