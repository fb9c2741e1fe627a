import { SignJWT } from 'jose';
import { AppError, apiError } from '../../core/errors.js';
import type { MessagingProvider, SendResult } from '../../engine/messaging/messaging-provider.js';
import { sendBody } from './apple-mapping.js';

export const defaultApiBaseUrl = 'https://mspgw.push.apple.com/v1';

export interface AppleSettings {
  apiBaseUrl: string;
  /** The Messages for Business id of the business (its entry point's address). */
  businessId: string;
  /** The messaging service provider id Apple gave (the JWTs' issuer and audience). */
  mspId: string;
}

function invalid(message: string, field: string): never {
  throw new AppError(apiError('INVALID_VALUE', message, `settings.${field}`));
}

/** Apple's API secret is given Base64-encoded; the HMAC key is its bytes. */
export function secretKey(secret: string): Uint8Array {
  return new Uint8Array(Buffer.from(secret, 'base64'));
}

/** A request's token: HS256 over the decoded secret, issued by and for the MSP id. */
export function mspToken(mspId: string, secret: string, nowSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(mspId)
    .setAudience(mspId)
    .setIssuedAt(nowSeconds)
    .sign(secretKey(secret));
}

/**
 * Apple Messages for Business as the engine's messaging provider: `POST /message` on Apple's gateway
 * with the MSP's token, the message gzipped. Text only (Apple's attachments are uploaded encrypted,
 * which this provider does not do yet). A 4xx is Apple refusing; 429, 5xx and network errors are retried.
 */
export const appleProvider: MessagingProvider = {
  type: 'apple',
  credentials: ['apiSecret'],
  windowHours: null,
  agentWindowHours: null,
  templates: false,
  maxAttachments: 0,
  captions: false,

  checkSettings(settings) {
    const apiBaseUrl = settings.apiBaseUrl ?? defaultApiBaseUrl;
    if (typeof apiBaseUrl !== 'string' || !/^https?:\/\/[^\s/]+(\/\S*)?$/i.test(apiBaseUrl) || apiBaseUrl.length > 500) {
      invalid('apiBaseUrl must be an http(s) URL', 'apiBaseUrl');
    }
    for (const field of ['businessId', 'mspId'] as const) {
      const value = settings[field];
      if (typeof value !== 'string' || value.trim() === '' || value.length > 200) invalid(`${field} is required`, field);
    }
    const unknown = Object.keys(settings).find((key) => !['apiBaseUrl', 'businessId', 'mspId'].includes(key));
    if (unknown) throw new AppError(apiError('UNKNOWN_FIELD', `${unknown} is not an Apple setting.`, `settings.${unknown}`));
    return {
      apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
      businessId: String(settings.businessId).trim(),
      mspId: String(settings.mspId).trim(),
    } satisfies AppleSettings;
  },

  async send({ settings, secrets, message, http, allowPrivateNetwork, context }): Promise<SendResult> {
    const { apiBaseUrl, businessId, mspId } = settings as unknown as AppleSettings;
    const token = await mspToken(mspId, secrets.apiSecret ?? '', Math.floor(Date.parse(context.now) / 1000));
    const response = await http({
      method: 'POST',
      url: `${apiBaseUrl}/message`,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        id: message.id,
        'source-id': businessId,
        'destination-id': message.to,
        'msp-agent': 'switchboard',
        'auto-reply': context.author === 'agent' ? 'false' : 'true',
      },
      body: sendBody(message, businessId),
      timeoutMs: 15_000,
      allowPrivateNetwork,
    });
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    if (response.status >= 200 && response.status < 300) return { kind: 'sent', externalId: message.id };
    const error = `${response.status} ${typeof response.body === 'string' ? response.body.slice(0, 200) : JSON.stringify(response.body ?? '').slice(0, 200)}`;
    if (response.status === 429 || response.status >= 500) return { kind: 'retry', message: error, retryAfterMs: null };
    return { kind: 'refused', code: String(response.status), message: error };
  },
};
