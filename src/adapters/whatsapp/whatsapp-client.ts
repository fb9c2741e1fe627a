import { normalizePhoneNumber } from '../../core/address.js';
import { AppError, apiError } from '../../core/errors.js';
import type { Tenant } from '../../core/model.js';
import { retryAfterMs } from '../../engine/http-client.js';
import type { MessagingProvider, SendResult } from '../../engine/messaging/messaging-provider.js';
import { sendBody, type WhatsAppNumber } from './whatsapp-mapping.js';

/** The Graph API version Switchboard speaks; the base URL is a setting, so a proxy or a test can stand in. */
export const defaultApiBaseUrl = 'https://graph.facebook.com/v21.0';

export interface WhatsAppSettings {
  apiBaseUrl: string;
  phoneNumbers: WhatsAppNumber[];
}

function invalid(message: string, field: string): never {
  throw new AppError(apiError('INVALID_VALUE', message, `settings.${field}`));
}

/** Seconds or an HTTP date, as Retry-After gives them. */
/**
 * WhatsApp Cloud API as the engine's messaging provider: sends to `POST /{phone-number-id}/messages`
 * with the channel's access token. A 4xx is the provider refusing (the message fails with its error);
 * 429, 5xx and network errors are tried again.
 */
export const whatsappProvider: MessagingProvider = {
  type: 'whatsapp',
  credentials: ['accessToken', 'appSecret', 'verifyToken'],
  windowHours: 24,
  agentWindowHours: null,
  templates: true,
  maxAttachments: 1,
  captions: true,

  checkSettings(settings: Record<string, unknown>, tenant: Tenant): Record<string, unknown> {
    const apiBaseUrl = settings.apiBaseUrl ?? defaultApiBaseUrl;
    if (typeof apiBaseUrl !== 'string' || !/^https?:\/\/[^\s/]+(\/\S*)?$/i.test(apiBaseUrl) || apiBaseUrl.length > 500) {
      invalid('apiBaseUrl must be an http(s) URL', 'apiBaseUrl');
    }
    const numbers = settings.phoneNumbers;
    if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > 100) {
      invalid(
        'phoneNumbers must list 1 to 100 business numbers: {id (WhatsApp phone number id), address (E.164)}',
        'phoneNumbers',
      );
    }
    const seen = new Set<string>();
    const phoneNumbers = numbers.map((raw, i): WhatsAppNumber => {
      const n = (raw ?? {}) as Record<string, unknown>;
      if (typeof n.id !== 'string' || !/^\d{1,40}$/.test(n.id)) invalid('the phone number id is digits', `phoneNumbers[${i}].id`);
      const address = typeof n.address === 'string' ? normalizePhoneNumber(n.address, tenant.defaultCountry) : null;
      if (!address) invalid('address must be the business phone number', `phoneNumbers[${i}].address`);
      if (seen.has(n.id)) invalid('each phone number id once', `phoneNumbers[${i}].id`);
      seen.add(n.id);
      return { id: n.id, address };
    });
    const unknown = Object.keys(settings).find((key) => key !== 'apiBaseUrl' && key !== 'phoneNumbers');
    if (unknown) throw new AppError(apiError('UNKNOWN_FIELD', `${unknown} is not a WhatsApp setting.`, `settings.${unknown}`));
    return { apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''), phoneNumbers } satisfies WhatsAppSettings;
  },

  async send({ settings, secrets, message, http, allowPrivateNetwork }): Promise<SendResult> {
    const { apiBaseUrl, phoneNumbers } = settings as unknown as WhatsAppSettings;
    const number = phoneNumbers.find((n) => n.address === message.from);
    if (!number) {
      return { kind: 'refused', code: 'UNKNOWN_BUSINESS_NUMBER', message: `No phone number id is set for ${message.from}` };
    }
    const response = await http({
      method: 'POST',
      url: `${apiBaseUrl}/${number.id}/messages`,
      headers: { authorization: `Bearer ${secrets.accessToken ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify(sendBody(message)),
      timeoutMs: 15_000,
      allowPrivateNetwork,
    });
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    const body = (response.body ?? {}) as { messages?: { id?: string }[]; error?: { code?: unknown; message?: unknown } };
    if (response.status >= 200 && response.status < 300) {
      const id = body.messages?.[0]?.id;
      if (typeof id === 'string') return { kind: 'sent', externalId: id };
      return { kind: 'retry', message: 'The answer names no message id', retryAfterMs: null };
    }
    const error = `${response.status} ${String(body.error?.message ?? 'no message')}`;
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'retry', message: error, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    }
    return { kind: 'refused', code: String(body.error?.code ?? response.status), message: error };
  },
};
