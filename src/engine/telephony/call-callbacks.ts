import { normalizePhoneNumber } from '../../core/address.js';
import { callbackDefaults } from '../../core/callbacks.js';
import { AppError, apiError } from '../../core/errors.js';
import { type CallCenter, interactionEvent, type Queue, type Tenant, type VoiceCall } from '../../core/model.js';
import { type Body, isoTime, refuse, requiredText } from './fields.js';
import { routingStates, type TelephonyContext } from './telephony-context.js';

/** Callbacks the caller asks for instead of waiting (the provider's queued-callback offer). */
export function createCallCallbacks(ctx: TelephonyContext) {
  const { store, clock, deps, find, save } = ctx;

  /** Where the callback waits: the call's queue, else the fallback queue of the number it called. */
  async function callbackQueue(tenant: Tenant, queueId: string | null, to: string): Promise<Queue | null> {
    if (queueId) return store.queues.get(tenant.id, queueId);
    const number = normalizePhoneNumber(to, tenant.defaultCountry);
    const entryPoint = number ? await store.findEntryPointByAddress(tenant.id, 'voice', number) : null;
    return entryPoint?.fallbackQueueId ? store.queues.get(tenant.id, entryPoint.fallbackQueueId) : null;
  }

  return {
    /**
     * POST /voiceCalls/{id}/requestCallback: a callback interaction (outbound voice, the caller's
     * number as its customer) waits in the call's queue with the call's priority and due date, and is
     * offered to agents like any work — at once, or from `scheduledRoutingDateTime`. The call stops
     * waiting (callback_requested, not abandoned).
     */
    async requestCallback(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<{ recordId: string }> {
      const given = requiredText(body, 'callbackNumber');
      const number = normalizePhoneNumber(given, tenant.defaultCountry);
      if (!number) refuse('INVALID_VALUE', 'callbackNumber must be a phone number', 'callbackNumber');
      const scheduled = isoTime(body, 'scheduledRoutingDateTime');
      // A time to come schedules the callback; one already past (or now) queues it at once.
      const later = scheduled && scheduled > clock.now() ? scheduled : null;
      let call = await find(tenant, callCenter, callId);
      const voiceCall = call.voiceCall as VoiceCall;
      const queue = await callbackQueue(tenant, call.queueId, voiceCall.to);
      if (!queue) {
        throw new AppError(
          apiError('ROUTING_FAILED', 'No queue for the callback: the call is in no queue and its number has no fallback queue'),
        );
      }
      const { interaction: callback } = await deps.interactions.create(
        tenant,
        {
          channelType: 'voice',
          direction: 'outbound',
          customer: number,
          contactPoint: voiceCall.to,
          source: voiceCall.providerName ?? callCenter.apiName,
          priority: call.priority,
          attributes: { callbackFor: call.id, vendorCallKey: voiceCall.vendorCallKey },
        },
        null,
        {
          parentInteractionId: call.id,
          // Scheduled, the caller expects the call at that time: its SLA runs from then.
          unansweredSince: later ?? call.unansweredSince ?? call.createdAt,
          callback: {
            queue,
            at: later,
            callback: {
              number,
              requestedOn: call.id,
              requestedBy: 'provider',
              ...callbackDefaults,
              attempts: [],
            },
            requirements: call.routing?.requirements ?? null,
          },
        },
      );
      // The caller no longer waits on the line: the call leaves routing, answered by the callback.
      if (routingStates.has(call.state)) call = await deps.router.withdraw(tenant.id, call.id);
      if (['created', 'dispatched', 'undispatched'].includes(call.state)) {
        await save(
          call,
          { ...call, state: 'callback_requested', voiceCall: { ...(call.voiceCall as VoiceCall), pendingRouting: null } },
          [
            interactionEvent(call.id, 'voice_call.callback_requested', clock.now(), {
              callbackId: callback.id,
              callbackNumber: number,
            }),
          ],
        );
      }
      return { recordId: callback.id };
    },
  };
}
