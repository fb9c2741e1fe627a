import { checkFreeForm } from '../../core/json-limits.js';
import {
  type CallCenter,
  type InitiationMethod,
  type Interaction,
  initiationMethods,
  interactionEvent,
  type Tenant,
  type VoiceCall,
} from '../../core/model.js';
import { type Body, isoTime, jsonObject, optionalText, refuse, requiredText } from './fields.js';
import { openBeforeAnswer, routingStates, type TelephonyContext } from './telephony-context.js';

/** The fields of a create that have a place of their own; the rest are kept in the record's details. */
const createFields = new Set([
  'callCenterApiName',
  'vendorCallKey',
  'to',
  'from',
  'initiationMethod',
  'startTime',
  'participants',
  'callAttributes',
  'parentVoiceCallId',
]);

function initiationMethod(body: Body): InitiationMethod {
  const given = requiredText(body, 'initiationMethod');
  const method = initiationMethods.find((m) => m.toLowerCase() === given.toLowerCase());
  if (!method) refuse('INVALID_VALUE', `initiationMethod must be one of ${initiationMethods.join(', ')}`, 'initiationMethod');
  return method;
}

/** The fields of an update with a place of their own; the rest are kept in the record's details. */
const ownUpdateFields = new Set(['startTime', 'endTime', 'enqueueTime', 'acceptTime', 'callAttributes', 'isActiveCall']);

/** The recording of a voicemail, as the provider's update reports it. */
function voicemailOf(body: Body, at: string): NonNullable<VoiceCall['voicemail']> {
  const duration = body.totalRecordingDuration;
  const seconds =
    typeof duration === 'number' || (typeof duration === 'string' && duration.trim() !== '') ? Number(duration) : null;
  if (seconds !== null && (!Number.isFinite(seconds) || seconds < 0)) {
    refuse('INVALID_VALUE', 'totalRecordingDuration must be a number of seconds', 'totalRecordingDuration');
  }
  return { recordingLocation: optionalText(body, 'recordingLocation'), durationSeconds: seconds, at };
}

/** Voice call records: what the provider creates and reports about its calls (create and update). */
export function createCallRecords(ctx: TelephonyContext) {
  const { store, clock, deps, find, save } = ctx;

  /**
   * The call an update is about. The vendor lets an update create the record of a call it never
   * saw (a missed or abandoned call logged afterwards): that record is created here, with what the
   * update tells (fromNumber, startTime) and the path's id as its vendorCallKey.
   */
  async function recordFor(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<Interaction> {
    const known = await store.findVoiceCall(tenant.id, callCenter.id, callId);
    if (known?.voiceCall) return known;
    if (callId.length > 200) refuse('INVALID_VALUE', 'A call id is at most 200 characters', 'callId');
    const from = optionalText(body, 'fromNumber');
    const startTime = isoTime(body, 'startTime') ?? isoTime(body, 'endTime') ?? clock.now();
    const voiceCall: VoiceCall = {
      callCenterId: callCenter.id,
      vendorCallKey: callId,
      providerName: null,
      from: from ?? '',
      to: '',
      initiationMethod: 'Inbound',
      startTime,
      endTime: null,
      enqueueTime: null,
      acceptTime: null,
      callAttributes: {},
      participants: [],
      parentVoiceCallId: null,
      details: { createdBy: 'update' },
      pendingRouting: null,
      missed: false,
    };
    const { interaction } = await deps.interactions.create(
      tenant,
      { channelType: 'voice', direction: 'inbound', ...(from ? { customer: from } : {}), source: callCenter.apiName },
      null,
      { voiceCall },
    );
    return (await find(tenant, callCenter, interaction.id)) ?? interaction;
  }

  return {
    /** POST /voiceCalls: a voice interaction (dispatch applies); a known vendorCallKey answers its first record. */
    async createCall(
      tenant: Tenant,
      callCenter: CallCenter,
      body: Body,
      providerName: string | null,
    ): Promise<{ voiceCallId: string; created: boolean }> {
      const apiName = requiredText(body, 'callCenterApiName');
      if (apiName !== callCenter.apiName) {
        refuse(
          'INVALID_VALUE',
          `callCenterApiName must be the call center of the token (${callCenter.apiName})`,
          'callCenterApiName',
        );
      }
      const vendorCallKey = requiredText(body, 'vendorCallKey');
      const to = requiredText(body, 'to');
      const from = requiredText(body, 'from');
      const method = initiationMethod(body);
      const startTime = isoTime(body, 'startTime') ?? refuse('REQUIRED', 'startTime is required', 'startTime');
      const participants = body.participants ?? [];
      if (!Array.isArray(participants)) refuse('INVALID_TYPE', 'participants must be a list', 'participants');
      const callAttributes = jsonObject(body, 'callAttributes');
      const parentRef = optionalText(body, 'parentVoiceCallId');
      if (method === 'Transfer' && !parentRef)
        refuse('REQUIRED', 'parentVoiceCallId is required for a transfer', 'parentVoiceCallId');
      const parent = parentRef ? await find(tenant, callCenter, parentRef) : null;
      if (!parent) {
        // The vendor: a second record with the same vendor call key is not created.
        const existing = await store.findVoiceCall(tenant.id, callCenter.id, vendorCallKey);
        if (existing) return { voiceCallId: existing.id, created: false };
      }
      const inbound = method === 'Inbound' || method === 'Transfer';
      // Every other field the provider sends (callSubtype, callOrigin, queue, …) is kept as sent, as an
      // update keeps its fields: nothing the provider reports is dropped without a word.
      const details = Object.fromEntries(Object.entries(body).filter(([key]) => !createFields.has(key)));
      checkFreeForm(details, 'fields');
      const voiceCall: VoiceCall = {
        callCenterId: callCenter.id,
        vendorCallKey,
        providerName,
        from,
        to,
        initiationMethod: method,
        startTime,
        endTime: null,
        enqueueTime: null,
        acceptTime: null,
        callAttributes,
        participants,
        parentVoiceCallId: parent?.id ?? null,
        details,
        pendingRouting: null,
        missed: false,
      };
      const { interaction } = await deps.interactions.create(
        tenant,
        {
          channelType: 'voice',
          direction: inbound ? 'inbound' : 'outbound',
          customer: inbound ? from : to,
          contactPoint: inbound ? to : from,
          source: providerName ?? callCenter.apiName,
          attributes: callAttributes,
        },
        null,
        { voiceCall, parentInteractionId: parent?.id ?? null },
      );
      return { voiceCallId: interaction.id, created: true };
    },

    /** PATCH /voiceCalls/{id}: what the provider learnt; an end before anyone answered makes a missed call. */
    async updateCall(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<Interaction> {
      const active = body.isActiveCall;
      if (active !== undefined && active !== null && typeof active !== 'boolean' && active !== 'true' && active !== 'false') {
        refuse('INVALID_TYPE', 'isActiveCall must be true or false', 'isActiveCall');
      }
      const conversationOpen = active === true || active === 'true';
      let call = await recordFor(tenant, callCenter, callId, body);
      // A call an agent answered is not made a voicemail: the fields are kept, the call goes on.
      const makesVoicemail =
        conversationOpen &&
        String(body.callOrigin ?? '').toLowerCase() === 'voicemail' &&
        !['connected', 'wrap_up', 'completed', 'transferred'].includes(call.state);
      // A call becoming a voicemail leaves the routing it was in: the voicemail is routed anew (omniFlow).
      if (makesVoicemail && !call.voiceCall?.voicemail && routingStates.has(call.state)) {
        call = await deps.router.withdraw(tenant.id, call.id);
      }
      const voiceCall = call.voiceCall as VoiceCall;
      const times = {
        startTime: isoTime(body, 'startTime') ?? voiceCall.startTime,
        endTime: isoTime(body, 'endTime') ?? voiceCall.endTime,
        enqueueTime: isoTime(body, 'enqueueTime') ?? voiceCall.enqueueTime,
        acceptTime: isoTime(body, 'acceptTime') ?? voiceCall.acceptTime,
      };
      const attributes = body.callAttributes === undefined ? {} : jsonObject(body, 'callAttributes');
      const reported = Object.fromEntries(Object.entries(body).filter(([key]) => !ownUpdateFields.has(key)));
      // Every other field is kept as reported: free-form, so bounded like attributes, also once merged.
      const details = { ...voiceCall.details, ...reported };
      const mergedAttributes = { ...call.attributes, ...attributes };
      checkFreeForm(details, 'fields');
      checkFreeForm(mergedAttributes, 'callAttributes');
      const now = clock.now();
      const voicemail = voiceCall.voicemail ?? (makesVoicemail ? voicemailOf(body, now) : null);
      // A voicemail's end is its recording's: the voicemail is work until an agent completes it.
      const ends = voiceCall.endTime === null && times.endTime !== null && !voicemail;
      const callback =
        call.state === 'callback_requested' ||
        String((body.disconnectReason as Body | undefined)?.value ?? '').toUpperCase() === 'CALLBACK';
      // Nobody took it: it ended waiting, in a flow, or after its routing failed (not for a callback).
      const unanswered =
        ends && !callback && call.agentId === null && !['connected', 'wrap_up', 'completed'].includes(call.state);
      // A voicemail made of a call that ended unanswered (or that just left its queue) can be routed again.
      const reopens =
        makesVoicemail &&
        !voiceCall.voicemail &&
        ['created', 'dispatched', 'undispatched', 'abandoned', 'failed'].includes(call.state);
      const updated: Interaction = {
        ...call,
        ...(reopens
          ? { state: 'created' as const, queueId: null, dueAt: null, enqueuedAt: null, routing: null, offer: null, agentId: null }
          : {}),
        // A call that ends before anything routed it is over (a missed call the provider never routed).
        ...(unanswered && call.state === 'created' ? { state: 'abandoned' as const } : {}),
        attributes: mergedAttributes,
        voiceCall: {
          ...voiceCall,
          ...times,
          callAttributes: { ...voiceCall.callAttributes, ...attributes },
          details,
          missed: voiceCall.missed || unanswered,
          pendingRouting: ends || reopens ? null : voiceCall.pendingRouting,
          conversationOpen,
          voicemail,
        },
      };
      const events = [interactionEvent(call.id, 'voice_call.updated', now, { fields: Object.keys(body) })];
      if (unanswered)
        events.push(interactionEvent(call.id, 'voice_call.missed', now, { state: call.state, endTime: times.endTime }));
      if (makesVoicemail && !voiceCall.voicemail)
        events.push(
          interactionEvent(call.id, 'voice_call.voicemail', now, { ...voicemail, fromState: call.state, routable: reopens }),
        );
      const saved = await save(call, updated, events);
      // The customer hung up: an answered call ends (wrap-up), an unanswered one is abandoned.
      if (ends && call.state === 'connected') return deps.router.end(tenant.id, call.id, 'customer', null);
      if (unanswered && openBeforeAnswer.has(call.state) && call.state !== 'created') {
        return deps.router.abandon(tenant.id, call.id);
      }
      return saved;
    },
  };
}
