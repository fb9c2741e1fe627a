import type { AgentRef, CallExport, CallFacts, CallOutcome, LastStep } from '../../core/integrations.js';
import type { Interaction } from '../../core/model.js';
import type { Store } from '../../store/store.js';

/** The final states of a voice interaction that end the call (a transfer's segment is continued, not ended). */
export const callEndingStates: ReadonlySet<Interaction['state']> = new Set([
  'completed',
  'abandoned',
  'voicemail',
  'callback_requested',
  'terminated',
  'failed',
]);

function outcomeOf(interaction: Interaction): CallOutcome {
  if (interaction.state === 'voicemail' || interaction.voiceCall?.voicemail) return 'voicemail';
  if (interaction.state === 'callback_requested') return 'callback_requested';
  return interaction.connectedAt ? 'answered' : 'missed';
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * What a finished call's export tells and what its assignment chain reads, looked up once per call:
 * the agents by id or by the reference a flow step named, the contact by the interaction's link or the
 * customer's number. The last reached step is the flow run's last path entry (for a queue or agent step,
 * the agent last offered the call there); a call routed without a flow reads its last offer.
 */
export async function callFactsOf(
  store: Store,
  interaction: Interaction,
): Promise<{ call: CallExport['call']; facts: CallFacts; ownerIntegrationUserId: string | null }> {
  const tenantId = interaction.tenantId;
  const agentRef = async (reference: string | null | undefined): Promise<AgentRef | null> => {
    if (!reference) return null;
    const agent = await store.findAgent(tenantId, reference);
    return agent ? { id: agent.id, email: agent.email } : null;
  };

  let lastStep: LastStep | null = null;
  const entry = interaction.flowRun?.path.at(-1);
  if (entry) {
    const offered = entry.agentsOffered?.at(-1) ?? null;
    if (entry.type === 'routeToAgent') {
      const agent = await agentRef(offered ?? text(entry.detail?.agent));
      lastStep = agent ? { kind: 'agent', agent } : { kind: 'other' };
    } else if (entry.type === 'routeToQueue') lastStep = { kind: 'queue', lastOffered: await agentRef(offered) };
    else if (entry.type === 'voicemail') lastStep = { kind: 'voicemail', email: text(entry.detail?.notificationEmail) };
    else lastStep = { kind: 'other' };
  } else if (interaction.voiceCall?.voicemail) {
    lastStep = { kind: 'voicemail', email: null };
  } else if (interaction.queueId) {
    const lastOffered = interaction.offer?.agentId ?? interaction.declinedBy.at(-1) ?? null;
    lastStep = { kind: 'queue', lastOffered: await agentRef(lastOffered) };
  }

  const contact = interaction.contactId
    ? await store.contacts.get(tenantId, interaction.contactId)
    : interaction.customer
      ? await store.findContactByAddress(tenantId, interaction.customer)
      : null;
  const call = interaction.voiceCall;
  const startedAt = call?.startTime ?? interaction.createdAt;
  const endedAt = call?.endTime ?? interaction.updatedAt;
  const connectedAt = interaction.connectedAt ?? null;
  const details = call?.details ?? {};
  return {
    call: {
      direction: interaction.direction,
      outcome: outcomeOf(interaction),
      customer: interaction.customer,
      contactPoint: interaction.contactPoint,
      startedAt,
      endedAt,
      talkSeconds: connectedAt ? Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(connectedAt)) / 1000)) : null,
      agentId: interaction.agentId,
      queueId: interaction.queueId,
      contactId: contact?.id ?? null,
      recordingUrl: text(details.recordingUrl) ?? text(details.recordingLocation),
      voicemailUrl: call?.voicemail?.recordingLocation ?? null,
    },
    facts: {
      direction: interaction.direction === 'inbound' ? 'inbound' : 'outbound',
      answered: connectedAt !== null,
      handlingAgent: await agentRef(interaction.agentId),
      lastStep,
      favoriteAgent: await agentRef(contact?.favoriteAgentId),
    },
    ownerIntegrationUserId: contact?.ownerIntegrationUserId ?? null,
  };
}
