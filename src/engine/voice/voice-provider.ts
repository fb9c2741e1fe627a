import type { ProviderType, VoiceEndpoint } from '../../core/model.js';
import type { HttpClient } from '../http-client.js';

/**
 * A voice provider that carries live calls (src/adapters/<provider>), as the engine calls it: when an
 * agent accepts a live call, the provider is told to fetch the call's next turn at once (which rings the
 * agent) instead of when the caller's hold loop next asks; and it places agents' outbound calls. The
 * webhooks that drive calls are the adapter's own routes.
 */
export interface VoiceProvider {
  type: ProviderType;
  fetchNextTurn(request: {
    settings: Record<string, unknown>;
    secrets: Record<string, string>;
    tenantId: string;
    channelId: string;
    interactionId: string;
    callSid: string;
    /** The last event the caller has been told about. */
    after: number;
    http: HttpClient;
    allowPrivateNetwork: boolean;
  }): Promise<{ ok: true } | { ok: false; message: string }>;
  /**
   * Places an agent's outbound call, agent first: the provider rings the agent's endpoint from the line,
   * and once they answer fetches the call's next turn (which dials the customer). Never throws for what
   * the provider answers.
   */
  placeCall(request: {
    settings: Record<string, unknown>;
    secrets: Record<string, string>;
    tenantId: string;
    channelId: string;
    interactionId: string;
    agent: VoiceEndpoint;
    /** The line the call goes out on (the caller id). */
    line: string;
    http: HttpClient;
    allowPrivateNetwork: boolean;
  }): Promise<
    | { kind: 'placed'; callSid: string }
    | { kind: 'refused'; message: string }
    | { kind: 'retry'; message: string; retryAfterMs: number | null }
  >;
}
