import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Channel, MessageAttachment, Tenant } from '../../core/model.js';
import type { Engine } from '../../engine/engine.js';
import type { StatusReport } from '../../engine/messaging/messaging-service.js';
import type { CallTurn } from '../../engine/voice/live-calls.js';
import { answer, keepRawBodies, rawBody } from '../provider-webhook.js';
import { channelUrl, type TwilioSettings } from './twilio-client.js';
import { param, readForm, signatureMatches, type TwilioParams, twimlOf } from './twilio-mapping.js';

type Params = { tenantId: string; channelId: string; interactionId?: string; step?: string };

/** Statuses of a caller's call that end it. */
const callEnds = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
/** Twilio's message statuses, as Switchboard's; the others (queued, sending, accepted…) change nothing. */
const messageStatuses: Record<string, StatusReport['status']> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
};

/**
 * Twilio's webhooks of a voice or SMS channel, under `{prefix}/{tenantId}/{channelId}`: set `…/voice` as
 * the number's voice URL with `…/voice/status` as its status callback, and `…/sms` as its messaging URL.
 * Every request is checked against X-Twilio-Signature — over the channel's public base URL, so a proxy in
 * front changes nothing — before anything is read: a bad or missing signature is 403 and nothing is stored.
 * Calls are answered with TwiML for what the interaction waits for (see engine/voice/live-calls.ts).
 */
export async function registerTwilioRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const tags = ['providers (Twilio)'];
  keepRawBodies(app);

  /** The request's channel, checked signature and form; null once an error was answered. */
  async function verified(
    request: FastifyRequest,
    reply: FastifyReply,
    type: Channel['type'],
  ): Promise<{ tenant: Tenant; channel: Channel; settings: TwilioSettings; form: TwilioParams } | null> {
    const { tenantId, channelId } = request.params as Params;
    const resolved = await engine.channelProviders.resolve(tenantId, channelId);
    const tenant = resolved ? await engine.store.getTenant(tenantId) : null;
    if (!resolved || !tenant || resolved.channel.provider?.type !== 'twilio' || resolved.channel.type !== type) {
      answer(reply, 404, 'NOT_FOUND', `No Twilio ${type} channel at this URL.`);
      return null;
    }
    const settings = resolved.channel.provider.settings as unknown as TwilioSettings;
    const form = readForm(rawBody(request.body));
    // The URL Twilio requested, as Twilio saw it: the public origin, then the path and query received.
    const url = `${settings.publicBaseUrl}${request.url}`;
    if (!signatureMatches(request.headers['x-twilio-signature'], resolved.secrets.authToken ?? '', url, form)) {
      answer(reply, 403, 'BAD_SIGNATURE', 'X-Twilio-Signature is not the signature of this URL and body with the auth token.');
      return null;
    }
    if (param(form, 'AccountSid') !== settings.accountSid) {
      answer(reply, 403, 'FORBIDDEN', 'AccountSid is not the account of this channel.');
      return null;
    }
    return { tenant, channel: resolved.channel, settings, form };
  }

  function twiml(reply: FastifyReply, tenant: Tenant, channel: Channel, settings: TwilioSettings, turn: CallTurn) {
    const base = `${channelUrl(settings, tenant.id, channel.id)}/voice/calls/${turn.interactionId}`;
    const urls = {
      next: `${base}/next?after=${turn.after}`,
      gather: `${base}/gather?after=${turn.after}`,
      recording: `${base}/recording?after=${turn.after}`,
      dial: `${base}/dial?after=${turn.after}`,
      answered: `${base}/answered`,
    };
    return reply
      .code(200)
      .type('text/xml')
      .send(twimlOf(turn, urls, settings.voice));
  }

  function required(reply: FastifyReply, form: TwilioParams, names: string[]): Record<string, string> | null {
    const values: Record<string, string> = {};
    for (const name of names) {
      const value = param(form, name);
      if (value === null || value.length > 1000) {
        answer(reply, 400, 'REQUIRED', `${name} is required (at most 1000 characters).`);
        return null;
      }
      values[name] = value;
    }
    return values;
  }

  app.post(
    '/:tenantId/:channelId/voice',
    { schema: { tags, summary: 'A call comes in (the number’s voice URL)' } },
    async (request, reply) => {
      const checked = await verified(request, reply, 'voice');
      if (!checked) return reply;
      const { tenant, channel, settings, form } = checked;
      const call = required(reply, form, ['CallSid', 'From', 'To']);
      if (!call) return reply;
      const turn = await engine.liveCalls.incoming(tenant, channel, {
        callSid: call.CallSid as string,
        from: call.From as string,
        to: call.To as string,
        provider: 'twilio',
      });
      return twiml(reply, tenant, channel, settings, turn);
    },
  );

  app.post(
    '/:tenantId/:channelId/voice/calls/:interactionId/:step',
    { schema: { tags, summary: 'The next turn of a call: after input, a recording, the agent’s leg, or while holding' } },
    async (request, reply) => {
      const checked = await verified(request, reply, 'voice');
      if (!checked) return reply;
      const { tenant, channel, settings, form } = checked;
      const { interactionId = '', step = '' } = request.params as Params;
      const interaction = await engine.store.getInteraction(tenant.id, interactionId);
      // The customer's leg of an outbound call reports under its own sid, naming the agent's as its parent.
      const callSid = param(form, step === 'answered' ? 'ParentCallSid' : 'CallSid');
      const live = interaction?.liveCall;
      // An outbound call whose placement is still being recorded has no provider call id yet.
      const placing = interaction?.outboundCall && !live;
      if (!interaction || (!placing && (live?.channelId !== channel.id || live.callSid !== callSid))) {
        return answer(reply, 404, 'NOT_FOUND', 'No call of this channel with this id and CallSid.');
      }
      const after = Number((request.query as Record<string, string | undefined>).after ?? 0);
      if (!Number.isSafeInteger(after) || after < 0) return answer(reply, 400, 'INVALID_VALUE', 'after must be an event number.');
      const calls = engine.liveCalls;
      if (step === 'answered' || step === 'agent-status') {
        if (step === 'answered' && param(form, 'CallStatus') === 'in-progress')
          await calls.customerAnswered(tenant, interactionId);
        if (step === 'agent-status') await calls.agentLegStatus(tenant, interactionId, param(form, 'CallStatus') ?? '');
        return reply.code(204).send();
      }
      let turn: CallTurn;
      if (step === 'next') turn = await calls.turn(tenant, interactionId, after);
      else if (step === 'gather') {
        const value = param(form, 'Digits') ?? param(form, 'SpeechResult');
        turn = await calls.gathered(tenant, interactionId, value === null ? null : value.slice(0, 1000), after);
      } else if (step === 'recording') {
        const recordingUrl = param(form, 'RecordingUrl');
        const duration = Number(param(form, 'RecordingDuration'));
        turn = recordingUrl
          ? await calls.recorded(
              tenant,
              interactionId,
              { recordingUrl, durationSeconds: Number.isInteger(duration) && duration >= 0 ? duration : null },
              after,
            )
          : await calls.turn(tenant, interactionId, after);
      } else if (step === 'dial') {
        turn = await calls.dialEnded(tenant, interactionId, param(form, 'DialCallStatus') ?? 'failed', after);
      } else {
        return answer(
          reply,
          404,
          'ROUTE_NOT_FOUND',
          'No such step of a call: next, gather, recording, dial, answered or agent-status.',
        );
      }
      return twiml(reply, tenant, channel, settings, turn);
    },
  );

  app.post(
    '/:tenantId/:channelId/voice/status',
    { schema: { tags, summary: 'A call’s status changed (the number’s status callback)' } },
    async (request, reply) => {
      const checked = await verified(request, reply, 'voice');
      if (!checked) return reply;
      const call = required(reply, checked.form, ['CallSid', 'CallStatus']);
      if (!call) return reply;
      if (callEnds.has(call.CallStatus as string)) await engine.liveCalls.callEnded(checked.tenant, call.CallSid as string);
      return reply.code(204).send();
    },
  );

  app.post(
    '/:tenantId/:channelId/sms',
    { schema: { tags, summary: 'An SMS comes in (the number’s messaging URL)' } },
    async (request, reply) => {
      const checked = await verified(request, reply, 'sms');
      if (!checked) return reply;
      const { tenant, channel, form } = checked;
      const message = required(reply, form, ['MessageSid', 'From', 'To']);
      if (!message) return reply;
      const media = Math.min(10, Math.max(0, Number(param(form, 'NumMedia')) || 0));
      const attachments: MessageAttachment[] = [];
      for (let i = 0; i < media; i++) {
        const url = param(form, `MediaUrl${i}`);
        if (url)
          attachments.push({ url, contentType: param(form, `MediaContentType${i}`) ?? 'application/octet-stream', name: null });
      }
      const received = await engine.messaging.receive(tenant, channel, {
        to: message.To as string,
        from: message.From as string,
        externalId: message.MessageSid as string,
        text: (param(form, 'Body') ?? '').slice(0, 4096),
        attachments,
        sentAt: engine.clock.now(),
        customerName: null,
      });
      if (!received) return answer(reply, 404, 'NOT_FOUND', `${message.To} is no entry point of this channel.`);
      // No reply of Twilio's own: flows and agents answer through the Messages API.
      return reply.code(200).type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    },
  );

  app.post(
    '/:tenantId/:channelId/sms/status',
    { schema: { tags, summary: 'A sent message’s status changed (its StatusCallback)' } },
    async (request, reply) => {
      const checked = await verified(request, reply, 'sms');
      if (!checked) return reply;
      const report = required(reply, checked.form, ['MessageSid', 'MessageStatus']);
      if (!report) return reply;
      const status = messageStatuses[report.MessageStatus as string];
      if (status) {
        const code = param(checked.form, 'ErrorCode');
        await engine.messaging.statusReported(checked.tenant, {
          externalId: report.MessageSid as string,
          status,
          at: engine.clock.now(),
          error: status === 'failed' ? { code: code ?? 'UNDELIVERED', message: `Twilio reported ${report.MessageStatus}` } : null,
        });
      }
      return reply.code(204).send();
    },
  );
}
