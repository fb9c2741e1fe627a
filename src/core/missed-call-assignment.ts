/**
 * Who in the CRM follows up a finished call (seed 004, CloudTalk's "automatic missed call assignment",
 * CONTRACT 4(b')): a pure function of the call's facts and the integration's users. Answered calls whose
 * agent is a CRM user go to that user (`direct`). Missed inbound calls, voicemails and calls whose agent
 * is no CRM user go down the chain — the last reached step's agent, the voicemail step's email, the CRM
 * contact owner, the contact's favourite agent, the integration's fallback — and every attempt is kept.
 *
 * The contact owner is asked of the CRM only when the chain gets that far: the first answer is then
 * `needs-contact-owner`, and the caller asks again with the owner the CRM gave (or null).
 */

import type {
  AgentRef,
  AssignmentMethod,
  AssignmentAttempt as Attempt,
  CallAssignmentSettings,
  CallFacts,
} from './integrations.js';

export type Assignment =
  | { kind: 'assigned'; assigneeIntegrationUserId: string | null; method: AssignmentMethod; attempts: Attempt[] }
  | { kind: 'needs-contact-owner'; attempts: Attempt[] };

function activeUser(integration: CallAssignmentSettings, id: string | null): string | null {
  const user = id ? integration.users.find((u) => u.id === id) : undefined;
  return user?.active ? user.id : null;
}

function userByEmail(integration: CallAssignmentSettings, email: string): string | null {
  const wanted = email.trim().toLowerCase();
  return integration.users.find((u) => u.active && u.email.toLowerCase() === wanted)?.id ?? null;
}

/** An agent's CRM user: the explicit mapping, else the active user with the same email. */
export function resolveAgent(integration: CallAssignmentSettings, agent: AgentRef): string | null {
  const mapped = integration.userMappings.find((m) => m.agentId === agent.id);
  if (mapped) return activeUser(integration, mapped.integrationUserId);
  return userByEmail(integration, agent.email);
}

/**
 * The assignee of a finished call. `contactOwner`: undefined while the CRM has not been asked; the
 * owner's CRM user id, or null, once it has.
 */
export function assignCall(facts: CallFacts, integration: CallAssignmentSettings, contactOwner?: string | null): Assignment {
  const direct = facts.handlingAgent ? resolveAgent(integration, facts.handlingAgent) : null;
  // Answered (or dialled out) by an agent the CRM knows: theirs, no chain.
  if ((facts.answered || facts.direction === 'outbound') && direct) {
    return { kind: 'assigned', assigneeIntegrationUserId: direct, method: 'direct', attempts: [] };
  }
  if (integration.assignMissedCallsTo !== 'automatic') {
    const user =
      typeof integration.assignMissedCallsTo === 'object' ? activeUser(integration, integration.assignMissedCallsTo.user) : null;
    return { kind: 'assigned', assigneeIntegrationUserId: user, method: 'configured_user', attempts: [] };
  }
  const attempts: Attempt[] = [];
  const done = (method: AssignmentMethod, id: string): Assignment => ({
    kind: 'assigned',
    assigneeIntegrationUserId: id,
    method,
    attempts,
  });
  const attempt = (method: AssignmentMethod, candidate: string | null, id: string | null) => {
    attempts.push({ method, candidate, integrationUserId: id });
    return id;
  };

  // 1. The agent of the last reached step (for a queue step, the last one offered the call).
  const step = facts.lastStep;
  const stepAgent = step?.kind === 'agent' ? step.agent : step?.kind === 'queue' ? step.lastOffered : null;
  // An answered call whose agent is no CRM user: that agent is the step's.
  const candidate = facts.answered && facts.handlingAgent ? facts.handlingAgent : stepAgent;
  if (step?.kind !== 'voicemail') {
    const id = attempt('last_step_agent', candidate?.email ?? null, candidate ? resolveAgent(integration, candidate) : null);
    if (id) return done('last_step_agent', id);
  }
  // 2. The voicemail step's email.
  if (step?.kind === 'voicemail') {
    const id = attempt('voicemail_email', step.email, step.email ? userByEmail(integration, step.email) : null);
    if (id) return done('voicemail_email', id);
  }
  // 3. The CRM's contact owner, where the CRM can tell it.
  if (integration.contactOwners) {
    if (contactOwner === undefined) return { kind: 'needs-contact-owner', attempts };
    const id = attempt('contact_owner', contactOwner, activeUser(integration, contactOwner));
    if (id) return done('contact_owner', id);
  }
  // 4. The contact's favourite agent.
  const favorite = facts.favoriteAgent;
  const id = attempt('favorite_agent', favorite?.email ?? null, favorite ? resolveAgent(integration, favorite) : null);
  if (id) return done('favorite_agent', id);
  // 5. The integration's fallback: its installer, its default assignee, or nobody. It never fails.
  const fallback = activeUser(integration, integration.installerUserId) ?? activeUser(integration, integration.defaultAssigneeId);
  attempts.push({
    method: 'integration_fallback',
    candidate: integration.installerUserId ?? integration.defaultAssigneeId,
    integrationUserId: fallback,
  });
  return { kind: 'assigned', assigneeIntegrationUserId: fallback, method: 'integration_fallback', attempts };
}
