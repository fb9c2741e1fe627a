import { type ApiError, AppError, apiError } from '../../core/errors.js';
import { jsonLimits } from '../../core/json-limits.js';
import {
  type CallCenter,
  type ConversationMessage,
  type Interaction,
  interactionEvent,
  type MessageAuthor,
  type Tenant,
  type VoiceCall,
} from '../../core/model.js';
import { type Body, epochTime, isoTime, optionalText, refuse, requiredText } from './fields.js';
import type { TelephonyContext } from './telephony-context.js';

/** The vendor's sender types, and whose side of the call each speaks for. */
const senders: Record<string, { author: MessageAuthor; direction: 'inbound' | 'outbound' }> = {
  END_USER: { author: 'customer', direction: 'inbound' },
  EXTERNAL_USER: { author: 'external', direction: 'inbound' },
  HUMAN_AGENT: { author: 'agent', direction: 'outbound' },
  VIRTUAL_AGENT: { author: 'agent', direction: 'outbound' },
  SUPERVISOR: { author: 'supervisor', direction: 'outbound' },
};

/** Bulk transcripts: calls per request and messages per call (the vendor documents 5 and 5). */
export const bulkLimits = { entries: 25, messagesPerEntry: 25 };
/** Signals per conversation-event request. */
const maxSignals = 100;
const signalTypes = { category: 'IntelligenceSignal__Category', sentiment: 'IntelligenceSignal__Sentiment' };

function boundedText(body: Body, field: string, max: number, required: boolean): string | null {
  const value = required ? requiredText(body, field) : optionalText(body, field);
  if (value !== null && value.length > max) refuse('INVALID_VALUE', `${field} is longer than ${max} characters`, field);
  return value;
}

function asBody(value: unknown, what: string): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError(apiError('INVALID_TYPE', `${what} must be an object`));
  }
  return value as Body;
}

function list(body: Body, field: string, max: number): unknown[] {
  const value = body[field];
  if (value === undefined || value === null) refuse('REQUIRED', `${field} is required`, field);
  if (!Array.isArray(value)) refuse('INVALID_TYPE', `${field} must be a list`, field);
  if (value.length === 0) refuse('REQUIRED', `${field} must not be empty`, field);
  if (value.length > max) refuse('INVALID_VALUE', `${field} has more than ${max} items`, field);
  return value;
}

/** A transcript message of the vendor's shape, checked; not yet tied to a stored call. */
type Utterance = Omit<ConversationMessage, 'id' | 'tenantId' | 'interactionId' | 'createdAt'>;

function utterance(body: Body): Utterance {
  const externalId = boundedText(body, 'messageId', 200, true) as string;
  const text = boundedText(body, 'content', jsonLimits.freeForm.maxStringLength, true) as string;
  const senderType = (boundedText(body, 'senderType', 40, true) as string).toUpperCase();
  const side = senders[senderType];
  if (!side) refuse('INVALID_VALUE', `senderType must be one of ${Object.keys(senders).join(', ')}`, 'senderType');
  const participantId = boundedText(body, 'participantId', 200, false);
  const sentAt = epochTime(body, 'startTime');
  const endedAt = epochTime(body, 'endTime');
  if (endedAt < sentAt) refuse('INVALID_VALUE', 'endTime must not be before startTime', 'endTime');
  return {
    kind: 'transcript',
    ...side,
    text,
    externalId,
    sender: { type: senderType, id: participantId },
    sentAt,
    endedAt,
  };
}

/** One intelligence signal of a conversation-event request, checked. */
function signal(body: Body, phase: 'realtime' | 'post_call', index: number) {
  const at = (field: string) => `events[${index}].${field}`;
  const fail = (code: 'REQUIRED' | 'INVALID_VALUE', message: string, field: string): never =>
    refuse(code, `${at(field)}: ${message}`, at(field));
  const type = optionalText(body, 'type');
  const allowed = phase === 'realtime' ? [signalTypes.category, signalTypes.sentiment] : [signalTypes.sentiment];
  if (!type) fail('REQUIRED', 'is required', 'type');
  if (!allowed.includes(type as string)) fail('INVALID_VALUE', `must be ${allowed.join(' or ')}`, 'type');
  const raw = body.value;
  const value = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
  if (!value) fail('REQUIRED', 'is required (a string)', 'value');
  if ((value as string).length > 1000) fail('INVALID_VALUE', 'is longer than 1000 characters', 'value');
  const sentiment = type === signalTypes.sentiment;
  if (sentiment) {
    const score = Number(value);
    if (!Number.isFinite(score) || score < -1000 || score > 1000)
      fail('INVALID_VALUE', 'must be a number from -1000 to 1000', 'value');
  }
  const startTime = isoTime(body, 'startTime') ?? fail('REQUIRED', 'is required (milliseconds since the epoch)', 'startTime');
  const endTime = isoTime(body, 'endTime');
  if (phase === 'post_call' && !endTime) fail('REQUIRED', 'is required (milliseconds since the epoch)', 'endTime');
  const rawScore = body.score;
  let score: number | null = null;
  if (rawScore !== undefined && rawScore !== null && rawScore !== '') {
    score = Number(rawScore);
    if (!Number.isFinite(score) || score < 0 || score > 1000) fail('INVALID_VALUE', 'must be a number from 0 to 1000', 'score');
  }
  const participant = optionalText(body, 'participant')?.toUpperCase() ?? null;
  if (participant !== null && participant !== 'AGENT' && participant !== 'CUSTOMER')
    fail('INVALID_VALUE', 'must be AGENT or CUSTOMER', 'participant');
  if (participant === null && (sentiment || phase === 'post_call'))
    fail('REQUIRED', 'is required (AGENT or CUSTOMER)', 'participant');
  return { type: type as string, value: value as string, startTime, endTime, score, participant };
}

/**
 * What the provider tells about a call's conversation: its transcript (one call, or several in bulk)
 * and the intelligence signals (real-time and post-call) of its analytics. Each is stored on the
 * interaction and pushed to the agent on it.
 */
export function createCallConversation(ctx: TelephonyContext) {
  const { store, clock, deps, find } = ctx;

  /**
   * Adds to the call what `build` makes of its latest state, retrying on the changes the router
   * makes meanwhile; nothing is saved when `build` finds nothing new.
   */
  async function addToCall(
    tenant: Tenant,
    callCenter: CallCenter,
    callId: string,
    build: (
      call: Interaction,
    ) => Promise<{ events: ReturnType<typeof interactionEvent>[]; messages?: ConversationMessage[] } | null>,
  ): Promise<{ call: Interaction; saved: boolean }> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const call = await find(tenant, callCenter, callId);
      const addition = await build(call);
      if (!addition) return { call, saved: false };
      const changed = { ...call, revision: call.revision + 1, updatedAt: clock.now() };
      if (await store.saveInteractions([{ interaction: changed, ...addition }])) {
        deps.committed(changed);
        return { call: changed, saved: true };
      }
    }
    throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The call changed while this request ran; retry'));
  }

  /** Stores the utterances the call does not have yet (by messageId) and pushes them to its agent. */
  async function transcribe(tenant: Tenant, callCenter: CallCenter, callId: string, utterances: Utterance[]): Promise<void> {
    let added: ConversationMessage[] = [];
    const { call, saved } = await addToCall(tenant, callCenter, callId, async (latest) => {
      const voiceCall = latest.voiceCall as VoiceCall;
      // The vendor takes transcripts said between the call's start and end; a voicemail's
      // conversation stays open (isActiveCall) until the provider closes it.
      const end = voiceCall.conversationOpen ? null : voiceCall.endTime;
      const late = end ? utterances.find((u) => u.sentAt > end) : undefined;
      if (late) {
        throw new AppError(
          apiError('VOICE_CALL_ENDED', `The call ended at ${end}; message ${late.externalId} was said after it (${late.sentAt})`),
        );
      }
      const known = new Set(
        await store.findConversationExternalIds(
          tenant.id,
          latest.id,
          utterances.map((u) => u.externalId as string),
        ),
      );
      const now = clock.now();
      added = [];
      for (const u of utterances) {
        if (known.has(u.externalId as string)) continue;
        known.add(u.externalId as string);
        added.push({ ...u, id: deps.newId(), tenantId: tenant.id, interactionId: latest.id, createdAt: now });
      }
      if (added.length === 0) return null;
      const events = added.map((message) => interactionEvent(latest.id, 'message.transcribed', now, { message }));
      return { events, messages: added };
    });
    if (saved) {
      for (const message of added) {
        await deps.conversations.pushToAgent(call, { type: 'message', interactionId: call.id, message });
      }
    }
  }

  return {
    /** POST /voiceCalls/{vendorCallKey}/messages: one utterance of the call's transcript. A retried messageId is kept once. */
    async transcript(tenant: Tenant, callCenter: CallCenter, callId: string, body: Body): Promise<void> {
      await transcribe(tenant, callCenter, callId, [utterance(body)]);
    },

    /**
     * POST /voiceCalls/messages: transcripts of several calls. Each entry is stored whole or not at
     * all; the answer lists the entries that failed, with the status and message each would have had.
     */
    async transcripts(
      tenant: Tenant,
      callCenter: CallCenter,
      body: Body,
    ): Promise<{ vendorCallKey: string | null; status: number; message: string }[]> {
      const entries = list(body, 'entries', bulkLimits.entries);
      const failures: { vendorCallKey: string | null; status: number; message: string }[] = [];
      for (const [index, raw] of entries.entries()) {
        let key: string | null = null;
        try {
          const entry = asBody(raw, `entries[${index}]`);
          key = boundedText(entry, 'vendorCallKey', 200, true);
          const messages = list(entry, 'messages', bulkLimits.messagesPerEntry).map((m, i) =>
            utterance(asBody(m, `entries[${index}].messages[${i}]`)),
          );
          await transcribe(tenant, callCenter, key as string, messages);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          const first = error.errors[0] as ApiError;
          failures.push({ vendorCallKey: key, status: error.status, message: first.message });
        }
      }
      return failures;
    },

    /**
     * POST /voiceCalls/{vendorCallKey}/realtimeConversationEvents and …/postConversationEvents: the
     * signals become one `voice_call.signals` event of the call, and go to its agent.
     */
    async conversationEvents(
      tenant: Tenant,
      callCenter: CallCenter,
      callId: string,
      body: Body,
      phase: 'realtime' | 'post_call',
    ): Promise<void> {
      const service = boundedText(body, 'service', 200, true) as string;
      const signals = list(body, 'events', maxSignals).map((raw, i) => signal(asBody(raw, `events[${i}]`), phase, i));
      for (let i = 1; i < signals.length; i++) {
        if ((signals[i]?.startTime as string) < (signals[i - 1]?.startTime as string)) {
          refuse('INVALID_VALUE', 'events must be sorted by startTime, oldest first', `events[${i}].startTime`);
        }
      }
      const data = { service, phase, signals };
      const { call } = await addToCall(tenant, callCenter, callId, async (latest) => ({
        events: [interactionEvent(latest.id, 'voice_call.signals', clock.now(), data)],
      }));
      await deps.conversations.pushToAgent(call, { type: 'signals', interactionId: call.id, ...data });
    },
  };
}
