import type { Channel, EntryPoint, EntryPointException, PlacementDecision, Queue, QueueSource } from './model.js';
import { computeDueAt, earlierOf } from './sla.js';

/** The configuration around one inbound contact, looked up by the caller. */
export interface PlacementInput {
  contactAt: string;
  /** The entry point the contact arrived on, when its address is a configured one. */
  entryPoint: EntryPoint | null;
  /** The entry point's channel, or else the only channel of the interaction's type, or null. */
  channel: Channel | null;
  exception: EntryPointException | null;
  /** Resolves the queues the channel and exception name. */
  queues: ReadonlyMap<string, Queue>;
  /** The interaction's open due date, if it already has one (a second contact on a conversation). */
  existingDueAt: string | null;
}

export type PlacementResult = { ok: true; placement: PlacementDecision } | { ok: false; reason: string };

/**
 * CONTRACT 2(b'): queue = exception(E).queueId ?? channel default queue; SLA = exception SLA ›
 * channel entry-point SLA (only when the queue is the channel default) › queue SLA; due date =
 * contact time + SLA, and an existing open due date is kept when it is earlier.
 */
export function placeContact(input: PlacementInput): PlacementResult {
  const { entryPoint, channel, exception } = input;
  const viaEntryPoint = entryPoint ? `entry point ${entryPoint.address}` : 'no configured entry point';
  let queue: Queue | undefined;
  let queueSource: PlacementDecision['queueSource'];
  if (exception) {
    queue = input.queues.get(exception.queueId);
    queueSource = 'exception';
  } else if (channel) {
    queue = input.queues.get(channel.defaultQueueId);
    queueSource = 'channel-default';
  } else {
    return {
      ok: false,
      reason: `The contact arrived on ${viaEntryPoint} and there is not exactly one channel of its type to take its default queue from.`,
    };
  }
  if (!queue) return { ok: false, reason: 'The configured queue no longer exists.' };

  let slaMinutes = queue.slaMinutes;
  let slaSource: PlacementDecision['slaSource'] = 'queue';
  if (exception && exception.slaMinutes !== null) {
    slaMinutes = exception.slaMinutes;
    slaSource = 'exception';
  } else if (!exception && channel && queue.id === channel.defaultQueueId && channel.defaultEntryPointSlaMinutes !== null) {
    slaMinutes = channel.defaultEntryPointSlaMinutes;
    slaSource = 'channel-entry-point';
  }

  const potentialDueAt = computeDueAt(input.contactAt, slaMinutes);
  const dueAt = earlierOf(input.existingDueAt, potentialDueAt);
  const queueText = {
    exception: `the exception of ${viaEntryPoint} sends it to queue ${queue.devName}`,
    'channel-default': `${viaEntryPoint} uses the default queue ${queue.devName} of channel ${channel?.name ?? ''}`,
    'flow-fallback': '',
    flow: '',
    transfer: '',
  }[queueSource];
  const slaText = {
    exception: `the exception SLA of ${slaMinutes} min overrides the queue SLA`,
    'channel-entry-point': `the channel entry-point SLA of ${slaMinutes} min overrides the queue SLA`,
    queue: `the queue SLA of ${slaMinutes} min applies`,
  }[slaSource];
  const dueText =
    dueAt === potentialDueAt ? `due ${dueAt}` : `the existing due date ${dueAt} is earlier than ${potentialDueAt} and is kept`;
  return {
    ok: true,
    placement: {
      entryPointId: entryPoint?.id ?? null,
      channelId: channel?.id ?? null,
      queueId: queue.id,
      queueSource,
      slaMinutes,
      slaSource,
      potentialDueAt,
      dueAt,
      reason: `${capitalize(queueText)}; ${slaText}; ${dueText}.`,
    },
  };
}

/**
 * A queue chosen by someone rather than by the entry point — a transfer (CONTRACT 2(b') "Transfer to
 * a new queue"), a flow's routeToQueue naming another queue, or the flow's fallback: the due date
 * runs from the oldest unanswered inbound contact with that queue's SLA; entry-point SLAs do not apply.
 */
export function placeInQueue(
  queue: Queue,
  unansweredSince: string,
  source: Exclude<QueueSource, 'exception' | 'channel-default'>,
): PlacementDecision {
  const dueAt = computeDueAt(unansweredSince, queue.slaMinutes);
  const why = {
    transfer: `Transferred to queue ${queue.devName}`,
    flow: `The flow routes it to queue ${queue.devName}`,
    'flow-fallback': `The flow failed, so its fallback queue ${queue.devName} is used`,
    callback: `A callback the caller asked for waits in queue ${queue.devName}`,
    telephony: `The telephony provider routes it to queue ${queue.devName}`,
    invitation: `The invitation to chat places it in queue ${queue.devName}`,
    voicemail: `A voicemail left on a call waits in queue ${queue.devName}`,
  }[source];
  return {
    entryPointId: null,
    channelId: null,
    queueId: queue.id,
    queueSource: source,
    slaMinutes: queue.slaMinutes,
    slaSource: 'queue',
    potentialDueAt: dueAt,
    dueAt,
    reason: `${why}; its SLA of ${queue.slaMinutes} min runs from the oldest unanswered contact at ${unansweredSince}: due ${dueAt}.`,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
