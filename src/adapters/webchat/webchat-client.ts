import { AppError, apiError } from '../../core/errors.js';
import type { MessagingProvider, SendResult } from '../../engine/messaging/messaging-provider.js';
import { webchatHub } from './webchat-hub.js';
import { newSessionKey } from './webchat-sessions.js';

export interface WebchatSettings {
  /** Web pages allowed to open chats (`https://www.example.com`); none listed: any page. */
  allowedOrigins: string[];
}

/**
 * Web chat as the engine's messaging provider: Switchboard is the provider, so a send puts the message
 * on the customer's open chat windows. A customer not connected reads it from the history when they
 * come back: it is sent either way.
 */
export const webchatProvider: MessagingProvider = {
  type: 'webchat',
  credentials: ['sessionKey'],
  generateCredentials: () => ({ sessionKey: newSessionKey() }),
  windowHours: null,
  agentWindowHours: null,
  templates: false,
  maxAttachments: 10,
  captions: true,

  checkSettings(settings) {
    const origins = settings.allowedOrigins ?? [];
    if (!Array.isArray(origins) || origins.length > 50) {
      throw new AppError(apiError('INVALID_VALUE', 'allowedOrigins lists up to 50 origins.', 'settings.allowedOrigins'));
    }
    const allowedOrigins = origins.map((origin, i) => {
      if (typeof origin !== 'string' || !/^https?:\/\/[^\s/]+$/i.test(origin)) {
        throw new AppError(
          apiError(
            'INVALID_VALUE',
            'An origin is a scheme and a host, e.g. https://www.example.com.',
            `settings.allowedOrigins[${i}]`,
          ),
        );
      }
      return origin.toLowerCase();
    });
    const unknown = Object.keys(settings).find((k) => k !== 'allowedOrigins');
    if (unknown) throw new AppError(apiError('UNKNOWN_FIELD', `${unknown} is not a web chat setting.`, `settings.${unknown}`));
    return { allowedOrigins } satisfies WebchatSettings;
  },

  async send({ message }): Promise<SendResult> {
    // The customer's address is their session, the business's the widget (the entry point).
    webchatHub.publish(message.tenantId, message.from, message.to, {
      type: 'message',
      message: {
        id: message.id,
        author: message.author,
        text: message.text,
        attachments: message.attachments,
        sentAt: message.sentAt,
      },
    });
    return { kind: 'sent', externalId: message.id };
  },
};
