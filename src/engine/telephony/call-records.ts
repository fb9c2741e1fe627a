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
import { openBeforeAnswer, type TelephonyContext } from './telephony-context.js';

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

/** Voice call records: what the provider creates and reports about its calls (create and update). */
export function createCallRecords(ctx: TelephonyContext) {
  const { store, clock, deps, find, save } = ctx;
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
      const call = await find(tenant, callCenter, callId);
      const voiceCall = call.voiceCall as VoiceCall;
      const times = {
        startTime: isoTime(body, 'startTime') ?? voiceCall.startTime,
        endTime: isoTime(body, 'endTime') ?? voiceCall.endTime,
        enqueueTime: isoTime(body, 'enqueueTime') ?? voiceCall.enqueueTime,
        acceptTime: isoTime(body, 'acceptTime') ?? voiceCall.acceptTime,
      };
      const attributes = body.callAttributes === undefined ? {} : jsonObject(body, 'callAttributes');
      const reported = Object.fromEntries(
        Object.entries(body).filter(
          ([key]) => !['startTime', 'endTime', 'enqueueTime', 'acceptTime', 'callAttributes'].includes(key),
        ),
      );
      // Every other field is kept as reported: free-form, so bounded like attributes, also once merged.
      const details = { ...voiceCall.details, ...reported };
      const mergedAttributes = { ...call.attributes, ...attributes };
      checkFreeForm(details, 'fields');
      checkFreeForm(mergedAttributes, 'callAttributes');
      const ends = voiceCall.endTime === null && times.endTime !== null;
      // Nobody took it: it ended waiting, in a flow, or after its routing failed.
      const unanswered = ends && call.agentId === null && !['connected', 'wrap_up', 'completed'].includes(call.state);
      const updated: Interaction = {
        ...call,
        attributes: mergedAttributes,
        voiceCall: {
          ...voiceCall,
          ...times,
          callAttributes: { ...voiceCall.callAttributes, ...attributes },
          details,
          missed: voiceCall.missed || unanswered,
          pendingRouting: ends ? null : voiceCall.pendingRouting,
        },
      };
      const now = clock.now();
      const events = [interactionEvent(call.id, 'voice_call.updated', now, { fields: Object.keys(body) })];
      if (unanswered)
        events.push(interactionEvent(call.id, 'voice_call.missed', now, { state: call.state, endTime: times.endTime }));
      await save(call, updated, events);
      // The customer hung up: an answered call ends (wrap-up), an unanswered one is abandoned.
      if (ends && call.state === 'connected') return deps.router.end(tenant.id, call.id, 'customer', null);
      if (unanswered && openBeforeAnswer.has(call.state) && call.state !== 'created') {
        return deps.router.abandon(tenant.id, call.id);
      }
      return updated;
    },
  };
}
