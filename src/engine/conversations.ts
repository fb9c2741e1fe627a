import { notFound } from '../core/errors.js';
import type { ConversationMessage, Interaction, Page, PageRequest, Tenant } from '../core/model.js';
import type { Store } from '../store/store.js';
import type { AgentHub } from './agent-hub.js';

/** The agent an interaction's news goes to: the one handling it, or the one it is offered to. */
export function agentOf(interaction: Interaction): string | null {
  return interaction.agentId ?? interaction.offer?.agentId ?? null;
}

/**
 * Interactions' conversations (a call's transcript; chat messages to come): reading them, and
 * telling the agent on the interaction what was added, once it is durable.
 */
export function createConversations(deps: { store: Store; hub: AgentHub }) {
  const { store, hub } = deps;
  return {
    /**
     * The conversation in arrival order. An agent (agentId given) reads only the interactions offered
     * to them or that they hold: any other is NOT_FOUND, as another tenant's is.
     */
    async list(
      tenant: Tenant,
      interactionId: string,
      page: PageRequest,
      agentId: string | null,
    ): Promise<Page<ConversationMessage>> {
      const interaction = await store.getInteraction(tenant.id, interactionId);
      if (!interaction || (agentId !== null && agentOf(interaction) !== agentId)) {
        throw notFound('interaction');
      }
      return store.listConversation(tenant.id, interactionId, page);
    },

    /** Pushes what was added to the agent on the interaction, after it is durable. */
    async pushToAgent(interaction: Interaction, message: { type: string } & Record<string, unknown>): Promise<void> {
      const agentId = agentOf(interaction);
      if (!agentId) return;
      await store.committed();
      hub.publish(interaction.tenantId, agentId, message);
    },
  };
}

export type Conversations = ReturnType<typeof createConversations>;
