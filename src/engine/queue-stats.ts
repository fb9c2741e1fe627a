import type { Tenant } from '../core/model.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Router } from './router-service.js';

/** A queue's real-time statistics. */
export interface QueueStats {
  queueId: string;
  at: string;
  windowMinutes: number;
  waiting: number;
  longestWaitSeconds: number;
  offered: number;
  connected: number;
  wrapUp: number;
  staffedAgents: number;
  availableAgents: number;
  /** Answered in the window, and of those, answered by their due date. */
  answered: number;
  answeredWithinSla: number;
  /** answeredWithinSla / answered; null when nothing was answered. */
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  abandoned: number;
  /** abandoned / (answered + abandoned); null when neither happened. */
  abandonRate: number | null;
}

/**
 * Real-time queue statistics: the live counts come from the router's in-memory view; the sliding
 * window (answered within SLA, speed of answer, abandon rate) from the events of the window.
 */
export function createQueueStats(deps: { store: Store; clock: Clock; router: Router }) {
  return async function queueStats(tenant: Tenant, queueId: string, windowMinutes: number): Promise<QueueStats> {
    const now = deps.clock.now();
    const since = new Date(Date.parse(now) - windowMinutes * 60_000).toISOString();
    const live = await deps.router.queueSnapshot(tenant.id, queueId);
    const events = await deps.store.listEventsSince(tenant.id, ['offer.accepted', 'interaction.abandoned'], since);
    let answered = 0;
    let withinSla = 0;
    let totalWaitMs = 0;
    let abandoned = 0;
    for (const event of events) {
      if (event.data.queueId !== queueId) continue;
      if (event.type === 'interaction.abandoned') {
        abandoned++;
        continue;
      }
      answered++;
      const at = Date.parse(event.at);
      if (typeof event.data.dueAt === 'string' && at <= Date.parse(event.data.dueAt)) withinSla++;
      if (typeof event.data.enqueuedAt === 'string') totalWaitMs += at - Date.parse(event.data.enqueuedAt);
    }
    return {
      queueId,
      at: now,
      windowMinutes,
      waiting: live.waiting,
      longestWaitSeconds: live.oldestEnqueuedAt === null ? 0 : Math.round((Date.parse(now) - live.oldestEnqueuedAt) / 1000),
      offered: live.offered,
      connected: live.connected,
      wrapUp: live.wrapUp,
      staffedAgents: live.staffedAgents,
      availableAgents: live.availableAgents,
      answered,
      answeredWithinSla: withinSla,
      serviceLevel: answered > 0 ? withinSla / answered : null,
      averageSpeedOfAnswerSeconds: answered > 0 ? Math.round(totalWaitMs / answered / 100) / 10 : null,
      abandoned,
      abandonRate: answered + abandoned > 0 ? abandoned / (answered + abandoned) : null,
    };
  };
}

export type QueueStatsService = ReturnType<typeof createQueueStats>;

/** One slice of a queue's last hour. */
export interface QueueSeriesPoint {
  /** The slice's start. */
  at: string;
  answered: number;
  answeredWithinSla: number;
  abandoned: number;
}

/** The queue's last hour in twelve 5-minute slices, oldest first: what a wallboard charts. */
export function createQueueSeries(deps: { store: Store; clock: Clock }) {
  const slice = 5 * 60_000;
  return async function queueSeries(tenant: Tenant, queueId: string): Promise<QueueSeriesPoint[]> {
    const end = Math.floor(Date.parse(deps.clock.now()) / slice) * slice + slice;
    const start = end - 12 * slice;
    const points: QueueSeriesPoint[] = Array.from({ length: 12 }, (_, i) => ({
      at: new Date(start + i * slice).toISOString(),
      answered: 0,
      answeredWithinSla: 0,
      abandoned: 0,
    }));
    const events = await deps.store.listEventsSince(
      tenant.id,
      ['offer.accepted', 'interaction.abandoned'],
      new Date(start).toISOString(),
    );
    for (const event of events) {
      const point = points[Math.floor((Date.parse(event.at) - start) / slice)];
      if (!point || event.data.queueId !== queueId) continue;
      if (event.type === 'interaction.abandoned') point.abandoned++;
      else {
        point.answered++;
        if (typeof event.data.dueAt === 'string' && event.at <= event.data.dueAt) point.answeredWithinSla++;
      }
    }
    return points;
  };
}
