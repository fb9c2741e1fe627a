import { type EmailMessage, type Interaction, interactionEvent, type OutboxItem } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { DeliveryOutcome, OutboxDestinationHandler } from '../outbox/outbox-dispatcher.js';

/** What became of a send: taken by the server, refused for good (a 5xx SMTP reply), or to try again. */
export type EmailResult = { kind: 'sent' } | { kind: 'refused'; message: string } | { kind: 'retry'; message: string };

/** An SMTP server as the engine uses it (src/adapters/smtp implements it with nodemailer). */
export interface EmailTransport {
  send(message: EmailMessage): Promise<EmailResult>;
}

type EmailItem = Extract<OutboxItem, { destination: 'email' }>;

/**
 * The outbox destination `email`: sends the item's email and records what became of it on the
 * interaction it belongs to (`email.sent` or `email.failed`), settling the item in the same change.
 */
export function createEmailDelivery(deps: { store: Store; clock: Clock; transport: EmailTransport | null }) {
  const { store, clock } = deps;

  async function record(item: EmailItem, type: 'email.sent' | 'email.failed', error: string | null): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const interaction = await store.getInteraction(item.tenantId, item.payload.interactionId);
      if (!interaction) return;
      const now = clock.now();
      const next: Interaction = { ...interaction, revision: interaction.revision + 1, updatedAt: now };
      const event = interactionEvent(interaction.id, type, now, {
        to: item.payload.email.to,
        subject: item.payload.email.subject,
        error,
      });
      const settle = [{ id: item.id, outcome: error === null ? ('sent' as const) : ('failed' as const), error }];
      if (await store.saveInteractions([{ interaction: next, events: [event], settle }])) return;
    }
    throw new Error('The interaction kept changing while the email outcome was recorded');
  }

  const delivery: OutboxDestinationHandler<'email'> = {
    async deliver(item): Promise<DeliveryOutcome> {
      if (!deps.transport) {
        await record(item, 'email.failed', 'No SMTP server is configured (SWITCHBOARD_SMTP_URL).');
        return { kind: 'settled' };
      }
      const result = await deps.transport.send(item.payload.email);
      if (result.kind === 'retry') return { kind: 'retry', error: result.message, retryAfterMs: null };
      await record(item, result.kind === 'sent' ? 'email.sent' : 'email.failed', result.kind === 'sent' ? null : result.message);
      return { kind: 'settled' };
    },
    async giveUp(item, error): Promise<void> {
      await record(item, 'email.failed', error);
    },
  };
  return delivery;
}
