import type { Direction } from './model.js';

/**
 * Integrations and what they take (seed 004): who in the integrated system may follow a call up, how the
 * integration assigns finished calls to them (the assignment chain's facts and answer), and the export
 * of a finished call.
 */

/** A person of the integrated system (a CRM user): who a finished call can be assigned to (seed 004). */
export interface IntegrationUser {
  id: string;
  /** Lower-case: an agent with the same email is this user, unless a user mapping says otherwise. */
  email: string;
  active: boolean;
}

/** How an integration assigns finished calls to its users (CONTRACT 4(b')). */
export interface CallAssignmentSettings {
  users: IntegrationUser[];
  /** Explicit agent → integration user mappings: they win over email equality. */
  userMappings: { agentId: string; integrationUserId: string }[];
  /** `automatic` runs the assignment chain for missed calls; otherwise they go to the user, or to nobody. */
  assignMissedCallsTo: 'automatic' | 'unassigned' | { user: string };
  /** Whether the integrated system can tell a contact's owner. */
  contactOwners: boolean;
  /** The user who installed the integration: the chain's last resort. */
  installerUserId: string | null;
  /** The chain's last resort when there is no installer. */
  defaultAssigneeId: string | null;
}

/**
 * Where an integration receives finished calls: `signed-http` POSTs each export as JSON signed like the
 * webhooks; `hubspot` creates a call engagement through HubSpot's CRM API. The secret or access token is
 * write-only (stored apart, never returned).
 */
export interface CallExportTarget {
  format: 'signed-http' | 'hubspot';
  /** signed-http: the receiver's URL; hubspot: the API's base URL (https://api.hubapi.com). */
  url: string;
}

/** A system Switchboard works with (a CRM, a telephony or messaging vendor), named by dispatch mappings' `source`. */
export interface Integration extends CallAssignmentSettings {
  id: string;
  tenantId: string;
  name: string;
  type: string;
  /** Where finished voice calls are exported; null when this integration takes none. */
  callExport: CallExportTarget | null;
  createdAt: string;
  updatedAt: string;
}

/** How a voice call ended, as an export tells it. */
export type CallOutcome = 'answered' | 'missed' | 'voicemail' | 'callback_requested';

/**
 * A finished voice call on its way to one integration (seed 004): the call's facts, who in the integrated
 * system follows it up and why, and how its delivery went. Made with the change that ends the call.
 */
export interface CallExport {
  id: string;
  tenantId: string;
  integrationId: string;
  interactionId: string;
  call: {
    direction: Direction;
    outcome: CallOutcome;
    /** The customer's number, and the number they called (or were called from). */
    customer: string | null;
    contactPoint: string | null;
    startedAt: string;
    endedAt: string;
    /** From the agent's answer to the end; null when nobody answered. */
    talkSeconds: number | null;
    agentId: string | null;
    queueId: string | null;
    contactId: string | null;
    recordingUrl: string | null;
    voicemailUrl: string | null;
  };
  /** What the assignment chain reads: who handled the call, the last step it reached, the favourite agent. */
  facts: CallFacts;
  /** Null while the integrated system is still to be asked for the contact's owner (at delivery). */
  assignment: {
    assigneeIntegrationUserId: string | null;
    method: AssignmentMethod;
    attempts: AssignmentAttempt[];
  } | null;
  /**
   * `held`: the call was reopened before its export went (a provider's voicemail of a missed call); it is
   * refreshed and sent when the call ends again.
   */
  status: 'pending' | 'held' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  /** The record the integrated system made (e.g. HubSpot's call id), once delivered. */
  externalId: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Which rule of the assignment chain chose the assignee (CONTRACT 4(b')). */
export type AssignmentMethod =
  | 'direct'
  | 'configured_user'
  | 'last_step_agent'
  | 'voicemail_email'
  | 'contact_owner'
  | 'favorite_agent'
  | 'integration_fallback';

/** One rule the chain tried: who it named, and the integration user that resolved to (or null). */
export interface AssignmentAttempt {
  method: AssignmentMethod;
  candidate: string | null;
  integrationUserId: string | null;
}

/** What an integration stored before it had users reads as. */
export const defaultCallAssignmentSettings: CallAssignmentSettings = {
  users: [],
  userMappings: [],
  assignMissedCallsTo: 'automatic',
  contactOwners: false,
  installerUserId: null,
  defaultAssigneeId: null,
};

/** An agent as the chain sees them: their id and email. */
export interface AgentRef {
  id: string;
  email: string;
}

/** The last step of the flow the call reached before it ended. */
export type LastStep =
  | { kind: 'agent'; agent: AgentRef }
  | { kind: 'queue'; lastOffered: AgentRef | null }
  | { kind: 'voicemail'; email: string | null }
  | { kind: 'other' };

export interface CallFacts {
  direction: 'inbound' | 'outbound';
  answered: boolean;
  /** The agent who answered the call, or who dialled it out. */
  handlingAgent: AgentRef | null;
  lastStep: LastStep | null;
  /** The customer's contact's favourite agent. */
  favoriteAgent: AgentRef | null;
}
