import { AppError, apiError } from '../../core/errors.js';
import { retryAfterMs } from '../../engine/http-client.js';
import type { MessagingProvider, SendResult } from '../../engine/messaging/messaging-provider.js';
import { sendBody } from './messenger-mapping.js';

export const defaultApiBaseUrl = 'https://graph.facebook.com/v21.0';
const responseWindowMs = 24 * 3_600_000;

export interface MessengerSettings {
  apiBaseUrl: string;
  /** The Facebook Page the channel speaks as (its entry point's address). */
  pageId: string;
}

function invalid(message: string, field: string): never {
  throw new AppError(apiError('INVALID_VALUE', message, `settings.${field}`));
}

/**
 * Messenger's Send API (`POST /me/messages` with the page access token) as the engine's messaging
 * provider. A 4xx is Meta refusing; 429, 5xx and network errors are tried again.
 */
export const messengerProvider: MessagingProvider = {
  type: 'messenger',
  credentials: ['pageAccessToken', 'appSecret', 'verifyToken'],
  windowHours: 24,
  agentWindowHours: 7 * 24,
  templates: false,
  maxAttachments: 1,
  captions: false,

  checkSettings(settings) {
    const apiBaseUrl = settings.apiBaseUrl ?? defaultApiBaseUrl;
    if (typeof apiBaseUrl !== 'string' || !/^https?:\/\/[^\s/]+(\/\S*)?$/i.test(apiBaseUrl) || apiBaseUrl.length > 500) {
      invalid('apiBaseUrl must be an http(s) URL', 'apiBaseUrl');
    }
    if (typeof settings.pageId !== 'string' || !/^\d{1,40}$/.test(settings.pageId))
      invalid('pageId is the Page id (digits)', 'pageId');
    const unknown = Object.keys(settings).find((key) => key !== 'apiBaseUrl' && key !== 'pageId');
    if (unknown) throw new AppError(apiError('UNKNOWN_FIELD', `${unknown} is not a Messenger setting.`, `settings.${unknown}`));
    return { apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''), pageId: settings.pageId } satisfies MessengerSettings;
  },

  async send({ settings, secrets, message, http, allowPrivateNetwork, context }): Promise<SendResult> {
    const { apiBaseUrl } = settings as unknown as MessengerSettings;
    const last = context.lastCustomerMessageAt ? Date.parse(context.lastCustomerMessageAt) : 0;
    // Past the 24 hours only a person's reply may go (tagged HUMAN_AGENT); anything else goes as a
    // response, and Meta refuses it if the window is closed (the message then fails with Meta's error).
    const humanAgentTag = context.author === 'agent' && Date.parse(context.now) - last > responseWindowMs;
    const response = await http({
      method: 'POST',
      url: `${apiBaseUrl}/me/messages`,
      headers: { authorization: `Bearer ${secrets.pageAccessToken ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify(sendBody(message, humanAgentTag)),
      timeoutMs: 15_000,
      allowPrivateNetwork,
    });
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    const body = (response.body ?? {}) as { message_id?: unknown; error?: { code?: unknown; message?: unknown } };
    if (response.status >= 200 && response.status < 300) {
      if (typeof body.message_id === 'string') return { kind: 'sent', externalId: body.message_id };
      return { kind: 'retry', message: 'The answer names no message_id', retryAfterMs: null };
    }
    const error = `${response.status} ${String(body.error?.message ?? 'no message')}`;
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'retry', message: error, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    }
    return { kind: 'refused', code: String(body.error?.code ?? response.status), message: error };
  },
};
