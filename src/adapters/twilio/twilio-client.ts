import { AppError, apiError } from '../../core/errors.js';
import type { Tenant, VoiceEndpoint } from '../../core/model.js';
import { type HttpClient, retryAfterMs } from '../../engine/http-client.js';
import type { MessagingProvider, SendResult } from '../../engine/messaging/messaging-provider.js';
import type { VoiceProvider } from '../../engine/voice/voice-provider.js';
import type { TwilioVoiceSettings } from './twilio-mapping.js';

/** Twilio's REST API; the base URL is a setting, so a proxy or a test can stand in. */
export const defaultApiBaseUrl = 'https://api.twilio.com';

export interface TwilioSettings {
  accountSid: string;
  apiBaseUrl: string;
  /** Where Twilio reaches this server (behind a proxy: the public origin): webhook URLs and signatures use it. */
  publicBaseUrl: string;
  voice: TwilioVoiceSettings;
}

const defaultVoice: TwilioVoiceSettings = {
  voice: null,
  language: null,
  holdMusicUrl: null,
  announcePosition: true,
  positionPrompt: 'You are number {position} in line.',
  holdSeconds: 30,
};

function invalid(message: string, field: string): never {
  throw new AppError(apiError('INVALID_VALUE', message, `settings.${field}`));
}

const httpUrl = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i;

function url(value: unknown, field: string): string {
  if (typeof value !== 'string' || !httpUrl.test(value) || value.length > 500) invalid(`${field} must be an http(s) URL`, field);
  return value.replace(/\/+$/, '');
}

function unknownField(given: Record<string, unknown>, known: string[], prefix: string): void {
  const unknown = Object.keys(given).find((key) => !known.includes(key));
  if (unknown) {
    throw new AppError(apiError('UNKNOWN_FIELD', `${unknown} is not a Twilio setting.`, `settings.${prefix}${unknown}`));
  }
}

function checkVoice(value: unknown): TwilioVoiceSettings {
  if (value === undefined || value === null) return defaultVoice;
  if (typeof value !== 'object' || Array.isArray(value)) invalid('voice must be an object', 'voice');
  const given = value as Record<string, unknown>;
  unknownField(given, Object.keys(defaultVoice), 'voice.');
  const text = (name: string, max: number, pattern?: RegExp) => {
    const v = given[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.trim() === '' || v.length > max || (pattern && !pattern.test(v))) {
      invalid(`voice.${name} is not valid`, `voice.${name}`);
    }
    return v;
  };
  const holdSeconds = given.holdSeconds ?? defaultVoice.holdSeconds;
  if (typeof holdSeconds !== 'number' || !Number.isInteger(holdSeconds) || holdSeconds < 5 || holdSeconds > 600) {
    invalid('voice.holdSeconds must be a whole number from 5 to 600', 'voice.holdSeconds');
  }
  const announcePosition = given.announcePosition ?? true;
  if (typeof announcePosition !== 'boolean') invalid('voice.announcePosition must be true or false', 'voice.announcePosition');
  return {
    voice: text('voice', 100, /^[A-Za-z0-9_.:-]+$/),
    language: text('language', 20, /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/),
    holdMusicUrl:
      given.holdMusicUrl === undefined || given.holdMusicUrl === null ? null : url(given.holdMusicUrl, 'voice.holdMusicUrl'),
    announcePosition,
    positionPrompt: text('positionPrompt', 500) ?? defaultVoice.positionPrompt,
    holdSeconds,
  };
}

/** Basic auth of the account, and the account's API root. */
function account(settings: TwilioSettings, secrets: Record<string, string>) {
  const basic = Buffer.from(`${settings.accountSid}:${secrets.authToken ?? ''}`).toString('base64');
  return { root: `${settings.apiBaseUrl}/2010-04-01/Accounts/${settings.accountSid}`, authorization: `Basic ${basic}` };
}

/** A form POST to Twilio's REST API. */
async function post(
  http: HttpClient,
  settings: TwilioSettings,
  secrets: Record<string, string>,
  path: string,
  form: Record<string, string | string[]>,
  allowPrivateNetwork: boolean,
) {
  const { root, authorization } = account(settings, secrets);
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
  return http({
    method: 'POST',
    url: `${root}${path}`,
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
    timeoutMs: 15_000,
    allowPrivateNetwork,
  });
}

/** Where Twilio reaches a channel's webhooks. */
export function channelUrl(settings: TwilioSettings, tenantId: string, channelId: string): string {
  return `${settings.publicBaseUrl}/providers/twilio/${tenantId}/${channelId}`;
}

/**
 * Twilio as the engine's SMS provider: sends through the Messages API with the account's SID and auth
 * token, its status callbacks coming back to the channel. A 4xx is Twilio refusing (the message fails
 * with its error code); 429, 5xx and network errors are tried again.
 */
export const twilioProvider: MessagingProvider = {
  type: 'twilio',
  credentials: ['authToken'],
  windowHours: null,
  agentWindowHours: null,
  templates: false,
  maxAttachments: 10,
  captions: true,

  checkSettings(settings: Record<string, unknown>, _tenant: Tenant): Record<string, unknown> {
    unknownField(settings, ['accountSid', 'apiBaseUrl', 'publicBaseUrl', 'voice'], '');
    const accountSid = settings.accountSid;
    if (typeof accountSid !== 'string' || !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
      invalid('accountSid must be the account SID: AC followed by 32 hexadecimal digits', 'accountSid');
    }
    if (settings.publicBaseUrl === undefined) {
      throw new AppError(
        apiError('REQUIRED', 'publicBaseUrl is required: the origin Twilio reaches this server at.', 'settings.publicBaseUrl'),
      );
    }
    return {
      accountSid,
      apiBaseUrl: url(settings.apiBaseUrl ?? defaultApiBaseUrl, 'apiBaseUrl'),
      publicBaseUrl: url(settings.publicBaseUrl, 'publicBaseUrl'),
      voice: checkVoice(settings.voice),
    } satisfies TwilioSettings;
  },

  async send({ channelId, settings, secrets, message, http, allowPrivateNetwork }): Promise<SendResult> {
    const twilio = settings as unknown as TwilioSettings;
    const response = await post(
      http,
      twilio,
      secrets,
      '/Messages.json',
      {
        To: message.to,
        From: message.from,
        ...(message.text ? { Body: message.text } : {}),
        ...(message.attachments.length > 0 ? { MediaUrl: message.attachments.map((a) => a.url) } : {}),
        StatusCallback: `${channelUrl(twilio, message.tenantId, channelId)}/sms/status`,
      },
      allowPrivateNetwork,
    );
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    const body = (response.body ?? {}) as { sid?: unknown; code?: unknown; message?: unknown };
    if (response.status >= 200 && response.status < 300) {
      if (typeof body.sid === 'string') return { kind: 'sent', externalId: body.sid };
      return { kind: 'retry', message: 'The answer names no message SID', retryAfterMs: null };
    }
    const error = `${response.status} ${String(body.message ?? 'no message')}`;
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'retry', message: error, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    }
    return { kind: 'refused', code: String(body.code ?? response.status), message: error };
  },
};

/** An agent's endpoint as Twilio's To: `client:<identity>`, a SIP URI, or a number. */
function dialString(endpoint: VoiceEndpoint): string {
  return endpoint.type === 'client' ? `client:${endpoint.address}` : endpoint.address;
}

/**
 * Twilio as the engine's voice provider: when an agent accepts a live call, the call is told at once
 * (a REST update of the call) to fetch its next turn, which rings the agent; an agent's outbound call is
 * created agent first (POST /Calls.json to the agent's endpoint, whose answer fetches the TwiML that
 * dials the customer).
 */
export const twilioVoiceProvider: VoiceProvider = {
  type: 'twilio',
  async fetchNextTurn({ settings, secrets, tenantId, channelId, interactionId, callSid, after, http, allowPrivateNetwork }) {
    const twilio = settings as unknown as TwilioSettings;
    const next = `${channelUrl(twilio, tenantId, channelId)}/voice/calls/${interactionId}/next?after=${after}`;
    const response = await post(
      http,
      twilio,
      secrets,
      `/Calls/${encodeURIComponent(callSid)}.json`,
      { Url: next, Method: 'POST' },
      allowPrivateNetwork,
    );
    if (!response.ok) return { ok: false, message: response.message };
    if (response.status >= 200 && response.status < 300) return { ok: true };
    const body = (response.body ?? {}) as { message?: unknown };
    return { ok: false, message: `${response.status} ${String(body.message ?? 'no message')}` };
  },

  async placeCall({ settings, secrets, tenantId, channelId, interactionId, agent, line, http, allowPrivateNetwork }) {
    const twilio = settings as unknown as TwilioSettings;
    const call = `${channelUrl(twilio, tenantId, channelId)}/voice/calls/${interactionId}`;
    const response = await post(
      http,
      twilio,
      secrets,
      '/Calls.json',
      {
        To: dialString(agent),
        From: line,
        Url: `${call}/next`,
        Method: 'POST',
        StatusCallback: `${call}/agent-status`,
        StatusCallbackMethod: 'POST',
      },
      allowPrivateNetwork,
    );
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    const body = (response.body ?? {}) as { sid?: unknown; message?: unknown };
    if (response.status >= 200 && response.status < 300) {
      if (typeof body.sid === 'string') return { kind: 'placed', callSid: body.sid };
      return { kind: 'retry', message: 'The answer names no call SID', retryAfterMs: null };
    }
    const error = `${response.status} ${String(body.message ?? 'no message')}`;
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'retry', message: error, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    }
    return { kind: 'refused', message: error };
  },
};
