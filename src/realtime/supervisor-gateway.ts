import type {} from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { apiError } from '../core/errors.js';
import type { Agent, PageRequest, Tenant } from '../core/model.js';
import type { Engine } from '../engine/engine.js';
import { maxBufferedBytes } from './agent-gateway.js';

/**
 * The supervisor WebSocket: `GET /v1/tenants/{tenantId}/supervisors/ws`, for supervisors and
 * administrators (a session or a key). It greets with the agents' states, then follows them (`agents`,
 * at most once a second while they change); `subscribe` with `queueIds` adds each queue's statistics
 * (`queue.stats`) and its waiting work with why each item waits (`queue.waiting`), pushed at most once a
 * second while the queue changes. It only reads: nothing is changed through it.
 */
export function registerSupervisorGateway(app: FastifyInstance, engine: Engine): void {
  app.get(
    '/v1/tenants/:tenantId/supervisors/ws',
    { websocket: true, schema: { tags: ['queues'], hide: true } },
    async (socket: WebSocket, request) => {
      const principal = request.principal;
      const { tenantId } = request.params as { tenantId: string };
      const send = (message: Record<string, unknown>) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > maxBufferedBytes) {
          socket.close(4008, 'too much unread');
          return;
        }
        socket.send(JSON.stringify(message));
      };
      // Messages are taken from the first moment (a page subscribes as soon as it is connected) and
      // handled, in order, once the greeting is sent.
      let greeted: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        greeted = resolve;
      });
      let chain: Promise<unknown> = Promise.resolve();
      socket.on('message', (data) => {
        chain = chain.then(() => ready).then(() => handle(String(data)));
      });
      const allowed =
        principal?.kind === 'admin' ||
        ((principal?.kind === 'supervisor' || principal?.kind === 'tenant') && principal.tenantId === tenantId);
      const tenant = allowed ? await engine.store.getTenant(tenantId) : null;
      if (!tenant) {
        send({
          type: 'error',
          errors: [apiError('FORBIDDEN', 'The supervisor WebSocket needs a supervisor or an admin of this tenant.')],
        });
        socket.close(4403, 'forbidden');
        return;
      }
      const stops: (() => void)[] = [];
      const pending = new Set<string>();
      /** Runs `push` once within a second of the first change that asks for it. */
      const soon = (key: string, push: () => Promise<void>) => {
        if (pending.has(key)) return;
        pending.add(key);
        const at = new Date(Date.parse(engine.clock.now()) + 1000).toISOString();
        stops.push(
          engine.clock.setTimer(at, () => {
            pending.delete(key);
            void push().catch(() => undefined);
          }),
        );
      };
      socket.on('close', () => {
        for (const stop of stops) stop();
      });

      const pushAgents = async () => send({ type: 'agents', agents: await agentsOf(engine, tenant) });
      const pushQueue = async (queueId: string) => {
        send({ type: 'queue.stats', stats: await engine.queueStats(tenant, queueId, 60) });
        const reasons = await engine.router.whyWaiting(tenantId, queueId);
        const waiting = await Promise.all(
          reasons.map(async ({ interactionId, why }) => {
            const interaction = await engine.store.getInteraction(tenantId, interactionId);
            return {
              interactionId,
              channelType: interaction?.channelType ?? null,
              customer: interaction?.customer ?? null,
              enqueuedAt: interaction?.enqueuedAt ?? null,
              dueAt: interaction?.dueAt ?? null,
              why,
            };
          }),
        );
        send({ type: 'queue.waiting', queueId, waiting });
      };
      stops.push(engine.hub.subscribeTenant(tenantId, () => soon('agents', pushAgents)));
      stops.push(engine.hub.onTenantClosed(tenantId, () => socket.close(1012, 'tenant moved; reconnect')));
      await pushAgents();
      greeted();

      async function handle(data: string): Promise<void> {
        if (!tenant) return;
        let message: { type?: unknown; queueIds?: unknown; requestId?: unknown };
        try {
          message = JSON.parse(String(data));
        } catch {
          message = {};
        }
        const requestId = typeof message.requestId === 'string' ? message.requestId.slice(0, 200) : null;
        const ids = message.queueIds;
        if (
          message.type !== 'subscribe' ||
          !Array.isArray(ids) ||
          ids.length > 100 ||
          !ids.every((id) => typeof id === 'string')
        ) {
          send({ type: 'error', errors: [apiError('MALFORMED_MESSAGE', 'Send {"type": "subscribe", "queueIds": [...]}.')] });
          return;
        }
        for (const queueId of ids as string[]) {
          if (!(await engine.store.queues.get(tenantId, queueId))) {
            send({
              type: 'result',
              requestId,
              ok: false,
              errors: [apiError('NOT_FOUND', `No such queue: ${queueId}.`, 'queueIds')],
            });
            return;
          }
        }
        send({ type: 'result', requestId, ok: true, queueIds: ids });
        for (const queueId of ids as string[]) {
          stops.push(engine.hub.subscribeQueue(tenantId, queueId, () => soon(`queue:${queueId}`, () => pushQueue(queueId))));
          await pushQueue(queueId).catch(() => undefined);
        }
      }
    },
  );
}

/** The tenant's agents with their presence and the work they hold now. */
async function agentsOf(engine: Engine, tenant: Tenant) {
  const states = await engine.router.agentStates(tenant.id);
  const agents: Agent[] = [];
  for (let page: PageRequest = { limit: 200, after: null }; ; ) {
    const { items, nextCursor } = await engine.store.agents.list(tenant.id, page);
    agents.push(...items);
    if (!nextCursor || agents.length >= 1000) break;
    page = { limit: 200, after: nextCursor };
  }
  return agents.map((agent) => {
    const state = states.get(agent.id);
    return {
      id: agent.id,
      name: agent.name,
      presence: agent.presence,
      holding: state?.holding ?? 0,
      queueIds: agent.queueIds,
    };
  });
}
