import type { Channel, ChannelType, EntryPoint, MessagingMedium, PlacementDecision, Queue, Tenant } from '../core/model.js';
import { placeContact } from '../core/placement.js';
import type { Store } from '../store/store.js';

/** One inbound contact, as placement needs it. */
export interface ContactArrival {
  channelType: ChannelType;
  medium: MessagingMedium | null;
  /** The entry point when already known; else it is looked up by the contact point. */
  entryPointId?: string | null;
  contactPoint: string | null;
  at: string;
}

export type EntryPointPlacement = {
  entryPoint: EntryPoint | null;
  result: { ok: true; placement: PlacementDecision } | { ok: false; reason: string };
};

/**
 * Where the entry point of a contact sends it (CONTRACT 2(b')): looks up the entry point, its channel
 * (or the only channel of the type when the address is not configured), its exception and their
 * queues, then lets core decide the queue, the SLA and the due date.
 */
export async function placeByEntryPoint(
  store: Store,
  tenant: Tenant,
  contact: ContactArrival,
  existingDueAt: string | null,
): Promise<EntryPointPlacement> {
  let entryPoint: EntryPoint | null = null;
  if (contact.entryPointId) entryPoint = await store.entryPoints.get(tenant.id, contact.entryPointId);
  else if (contact.contactPoint)
    entryPoint = await store.findEntryPointByAddress(tenant.id, contact.channelType, contact.contactPoint);
  let channel: Channel | null = null;
  if (entryPoint) channel = await store.channels.get(tenant.id, entryPoint.channelId);
  else {
    const candidates = (await store.listChannelsOfType(tenant.id, contact.channelType)).filter(
      (c) => contact.medium === null || c.medium === contact.medium,
    );
    if (candidates.length === 1) channel = candidates[0] ?? null;
  }
  const exception = entryPoint ? await store.getException(tenant.id, entryPoint.id) : null;
  const queues = new Map<string, Queue>();
  for (const id of [exception?.queueId, channel?.defaultQueueId]) {
    const queue = id ? await store.queues.get(tenant.id, id) : null;
    if (queue) queues.set(queue.id, queue);
  }
  const result = placeContact({ contactAt: contact.at, entryPoint, channel, exception, queues, existingDueAt });
  return { entryPoint, result };
}
