import {
  type AddressKind,
  addressKindFor,
  isKnownCountry,
  normalizeAddress,
  normalizeEmail,
  normalizePhoneNumber,
} from './address.js';
import { type ApiError, apiError } from './errors.js';
import { compileExpression } from './flow/expressions.js';
import type { CallAssignmentSettings, CallExportTarget, IntegrationUser } from './integrations.js';
import { freeFormError } from './json-limits.js';
import {
  type Agent,
  type ChannelType,
  type Contact,
  defaultAgentCapacity,
  defaultQueueRouting,
  type MessagingMedium,
  type QueueRouting,
  type VoiceEndpoint,
} from './model.js';
import { defaultQueueSlaMinutes, parseSlaMinutes } from './sla.js';

/**
 * Pure validation of configuration objects. Each function takes the object as it will be stored
 * (after merging an update into the current one), collects every problem at once and returns the
 * normalised fields. Lookups in the rest of the tenant are done by the caller and passed in.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: ApiError[] };

function done<T>(errors: ApiError[], value: () => T): Checked<T> {
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: value() };
}

function requiredText(value: unknown, field: string, errors: ApiError[]): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') errors.push(apiError('REQUIRED', `${field} is required.`, field));
  return text;
}

function optionalText(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

const devNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/** A devName made from a name: "VIP Support (EU)" → "VIP_Support_EU". */
export function devNameFrom(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const prefixed = /^[A-Za-z]/.test(base) ? base : `X_${base}`;
  return prefixed.slice(0, 80).replace(/_+$/, '') || 'X';
}

function checkDevName(devName: unknown, name: string, errors: ApiError[]): string {
  if (devName === undefined || devName === null) return devNameFrom(name);
  if (typeof devName !== 'string' || !devNamePattern.test(devName)) {
    errors.push(
      apiError(
        'INVALID_DEV_NAME',
        'devName must start with a letter and hold only letters, digits and _ (at most 80).',
        'devName',
      ),
    );
    return '';
  }
  return devName;
}

export interface TenantFields {
  name: string;
  defaultCountry: string | null;
  timeZone: string;
}

/** True for an IANA time zone name the runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function checkTenant(input: { name?: unknown; defaultCountry?: unknown; timeZone?: unknown }): Checked<TenantFields> {
  const errors: ApiError[] = [];
  const name = requiredText(input.name, 'name', errors);
  let defaultCountry: string | null = null;
  if (input.defaultCountry !== undefined && input.defaultCountry !== null) {
    const code = String(input.defaultCountry).toUpperCase();
    if (isKnownCountry(code)) defaultCountry = code;
    else
      errors.push(
        apiError('INVALID_COUNTRY', 'defaultCountry must be an ISO 3166-1 alpha-2 code such as US or GB.', 'defaultCountry'),
      );
  }
  const timeZone = input.timeZone === undefined || input.timeZone === null ? 'UTC' : String(input.timeZone);
  if (!isTimeZone(timeZone)) {
    errors.push(apiError('INVALID_TIME_ZONE', 'timeZone must be an IANA time zone such as Europe/Paris.', 'timeZone'));
  }
  return done(errors, () => ({ name, defaultCountry, timeZone }));
}

export interface QueueFields {
  name: string;
  devName: string;
  description: string | null;
  slaMinutes: number;
  routing: QueueRouting;
  chatQueueKey: string | null;
}

/** `slaMinutes` absent on create takes the default; blank or null is refused (CONTRACT 2(c) 18). */
/** A chat queue key (Genesys Chat Server's `<tenant-id>:<endpoint>`, CONTRACT 1(c) 12). */
export const chatQueueKeyPattern = /^[0-9]+:[^:\s]+$/;

export function checkQueue(
  input: {
    name?: unknown;
    devName?: unknown;
    description?: unknown;
    slaMinutes?: unknown;
    routing?: unknown;
    chatQueueKey?: unknown;
  },
  slaGiven: boolean,
  currentRouting: QueueRouting = defaultQueueRouting,
): Checked<QueueFields> {
  const errors: ApiError[] = [];
  const name = requiredText(input.name, 'name', errors);
  const devName = checkDevName(input.devName, name, errors);
  let slaMinutes = defaultQueueSlaMinutes;
  if (slaGiven) {
    const sla = parseSlaMinutes(input.slaMinutes);
    if (!sla.ok) errors.push(sla.error);
    else if (sla.minutes === null) errors.push(apiError('SLA_REQUIRED', 'A queue must have an SLA.', 'slaMinutes'));
    else slaMinutes = sla.minutes;
  }
  const routing = checkQueueRouting(input.routing, currentRouting);
  if (!routing.ok) errors.push(...routing.errors);
  const chatQueueKey = input.chatQueueKey ?? null;
  if (chatQueueKey !== null && (typeof chatQueueKey !== 'string' || !chatQueueKeyPattern.test(chatQueueKey))) {
    errors.push(
      apiError('INVALID_VALUE', 'chatQueueKey is <tenant number>:<endpoint name>, e.g. 1:session-WA-sendSR.', 'chatQueueKey'),
    );
  }
  return done(errors, () => ({
    name,
    devName,
    description: optionalText(input.description),
    slaMinutes,
    routing: routing.ok ? routing.value : currentRouting,
    chatQueueKey: chatQueueKey as string | null,
  }));
}

export interface ChannelFields {
  name: string;
  type: ChannelType;
  medium: MessagingMedium | null;
  defaultQueueId: string;
  defaultEntryPointSlaMinutes: number | null;
  inactivityMinutes: number | null;
  chatProtocol: ChatProtocol | null;
  inboundRouteByCall: string | null;
}

/** How a messaging channel's chats are carried: Flex Chat (the default) or basic; invitations need Flex Chat. */
export type ChatProtocol = 'flex-chat' | 'basic';

export function checkChannel(
  input: {
    name?: unknown;
    type: ChannelType;
    medium?: unknown;
    defaultQueueId?: unknown;
    defaultEntryPointSlaMinutes?: unknown;
    inactivityMinutes?: unknown;
    chatProtocol?: unknown;
    inboundRouteByCall?: unknown;
  },
  facts: { defaultQueueExists: boolean },
): Checked<ChannelFields> {
  const errors: ApiError[] = [];
  const name = requiredText(input.name, 'name', errors);
  const medium = (input.medium ?? null) as MessagingMedium | null;
  if (input.type === 'messaging' && medium === null) {
    errors.push(apiError('MEDIUM_REQUIRED', 'A messaging channel needs a medium.', 'medium'));
  }
  if (input.type !== 'messaging' && medium !== null) {
    errors.push(apiError('MEDIUM_NOT_ALLOWED', 'Only messaging channels have a medium.', 'medium'));
  }
  const defaultQueueId = requiredText(input.defaultQueueId, 'defaultQueueId', errors);
  if (defaultQueueId !== '' && !facts.defaultQueueExists) {
    errors.push(apiError('QUEUE_NOT_FOUND', 'No queue with this id in the tenant.', 'defaultQueueId'));
  }
  const sla = parseSlaMinutes(input.defaultEntryPointSlaMinutes, 'defaultEntryPointSlaMinutes');
  if (!sla.ok) errors.push(sla.error);
  const inactivity = input.inactivityMinutes ?? null;
  if (inactivity !== null && (!Number.isInteger(inactivity) || (inactivity as number) < 1 || (inactivity as number) > 10_080)) {
    errors.push(
      apiError(
        'INVALID_VALUE',
        'inactivityMinutes is a whole number of minutes from 1 to 10,080 (a week), or null.',
        'inactivityMinutes',
      ),
    );
  }
  if (inactivity !== null && input.type !== 'messaging' && input.type !== 'sms') {
    errors.push(apiError('INVALID_VALUE', 'Only conversations (messaging, sms) end by inactivity.', 'inactivityMinutes'));
  }
  const conversations = input.type === 'messaging' || input.type === 'sms';
  const protocol = input.chatProtocol ?? null;
  if (protocol !== null && (!conversations || (protocol !== 'flex-chat' && protocol !== 'basic'))) {
    errors.push(apiError('INVALID_VALUE', 'chatProtocol is flex-chat or basic, on conversation channels.', 'chatProtocol'));
  }
  const routeByCall = input.inboundRouteByCall ?? null;
  if (routeByCall !== null && (!conversations || typeof routeByCall !== 'string' || !chatQueueKeyPattern.test(routeByCall))) {
    errors.push(
      apiError(
        'INVALID_VALUE',
        'inboundRouteByCall is a chat queue key (<tenant number>:<endpoint name>), on conversation channels.',
        'inboundRouteByCall',
      ),
    );
  }
  return done(errors, () => ({
    name,
    type: input.type,
    medium,
    defaultQueueId,
    defaultEntryPointSlaMinutes: sla.ok ? sla.minutes : null,
    inactivityMinutes: inactivity as number | null,
    chatProtocol: protocol as ChatProtocol | null,
    inboundRouteByCall: routeByCall as string | null,
  }));
}

const addressErrors: Record<AddressKind, { code: ApiError['code']; message: string }> = {
  'phone-or-sip': {
    code: 'INVALID_E164_OR_SIP',
    message: 'The address must be a phone number (E.164, or national with the tenant default country) or a SIP URI.',
  },
  phone: { code: 'INVALID_E164', message: 'The address must be a phone number in E.164 format.' },
  email: { code: 'INVALID_EMAIL', message: 'The address must be an email address.' },
  opaque: { code: 'REQUIRED', message: 'address is required.' },
};

/** Normalises an entry-point address for its channel (E.164, SIP URI, lower-case email or an id). */
export function checkEntryPointAddress(
  address: unknown,
  channel: { type: ChannelType; medium: MessagingMedium | null },
  defaultCountry: string | null,
): Checked<string> {
  const raw = typeof address === 'string' ? address : '';
  if (raw.trim() === '') return { ok: false, errors: [apiError('REQUIRED', 'address is required.', 'address')] };
  const kind = addressKindFor(channel.type, channel.medium);
  const normalized = normalizeAddress(raw, kind, defaultCountry);
  if (normalized !== null) return { ok: true, value: normalized };
  const { code, message } = addressErrors[kind];
  return { ok: false, errors: [apiError(code, message, 'address')] };
}

const integrationTypePattern = /^[a-z][a-z0-9-]{0,39}$/;

export type IntegrationFields = { name: string; type: string; callExport: CallExportTarget | null } & CallAssignmentSettings;

/** The write-only credential each export format needs: the signing secret, or the API's access token. */
export const exportCredentialOf = { 'signed-http': 'secret', hubspot: 'accessToken' } as const;

/**
 * Where the integration takes finished calls, and the credential given with it (write-only: returned
 * apart, to be stored apart). A new target or format needs its credential unless one is stored for it.
 */
function checkCallExport(
  value: unknown,
  credentialStoredFor: CallExportTarget['format'] | null,
  errors: ApiError[],
): { target: CallExportTarget | null; credential: string | null } {
  if (value === undefined || value === null) return { target: null, credential: null };
  const raw = value as Record<string, unknown>;
  const format = raw.format;
  if (format !== 'signed-http' && format !== 'hubspot') {
    errors.push(apiError('INVALID_VALUE', 'callExport.format is signed-http or hubspot.', 'callExport/format'));
    return { target: null, credential: null };
  }
  const url = typeof raw.url === 'string' ? raw.url : '';
  if (!/^https?:\/\/[^\s]+$/i.test(url)) {
    errors.push(apiError('INVALID_URL', 'callExport.url must be an http or https URL.', 'callExport/url'));
  }
  const name = exportCredentialOf[format];
  const other = name === 'secret' ? 'accessToken' : 'secret';
  if (raw[other] !== undefined) {
    errors.push(apiError('UNKNOWN_FIELD', `${format} exports take ${name}, not ${other}.`, `callExport/${other}`));
  }
  const given = raw[name];
  let credential: string | null = null;
  if (given !== undefined) {
    const minimum = name === 'secret' ? 16 : 1;
    if (typeof given !== 'string' || given.length < minimum || given.length > 4096) {
      errors.push(
        apiError('INVALID_VALUE', `callExport.${name} is a string of ${minimum} to 4096 characters.`, `callExport/${name}`),
      );
    } else credential = given;
  } else if (credentialStoredFor !== format) {
    errors.push(apiError('REQUIRED', `callExport.${name} is required.`, `callExport/${name}`));
  }
  return { target: { format, url }, credential };
}

/**
 * An integration and how it assigns finished calls to its users (seed 004). `agentId` resolves a user
 * mapping's agent reference (id, email or employee id, as the caller looked it up) to the agent's id, or
 * null when the tenant has no such agent.
 */
export function checkIntegration(
  input: Record<string, unknown>,
  facts: { agentId: (reference: string) => string | null; credentialStoredFor: CallExportTarget['format'] | null },
): Checked<{ fields: IntegrationFields; exportCredential: string | null }> {
  const errors: ApiError[] = [];
  const name = requiredText(input.name, 'name', errors);
  const type = typeof input.type === 'string' ? input.type : '';
  if (type === '') errors.push(apiError('REQUIRED', 'type is required.', 'type'));
  else if (!integrationTypePattern.test(type)) {
    errors.push(apiError('INVALID_INTEGRATION_TYPE', 'type must be a lower-case slug such as twilio or salesforce.', 'type'));
  }

  const users: IntegrationUser[] = [];
  const rawUsers = Array.isArray(input.users) ? (input.users as Record<string, unknown>[]) : [];
  for (const [index, raw] of rawUsers.entries()) {
    const id = typeof raw.id === 'string' ? raw.id.trim() : '';
    const email = typeof raw.email === 'string' ? normalizeEmail(raw.email) : null;
    if (id === '') errors.push(apiError('REQUIRED', 'A user needs an id.', `users/${index}/id`));
    else if (users.some((u) => u.id === id)) {
      errors.push(apiError('DUPLICATE_INTEGRATION_USER', `Another user has the id ${id}.`, `users/${index}/id`));
    }
    if (email === null) errors.push(apiError('INVALID_EMAIL', 'A user needs an email address.', `users/${index}/email`));
    else if (users.some((u) => u.email === email)) {
      errors.push(apiError('DUPLICATE_INTEGRATION_USER', `Another user has the email ${email}.`, `users/${index}/email`));
    }
    users.push({ id, email: email ?? '', active: raw.active !== false });
  }
  const userIds = new Set(users.map((u) => u.id));
  const user = (value: unknown, field: string): string | null => {
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'string' && userIds.has(value)) return value;
    errors.push(apiError('INTEGRATION_USER_NOT_FOUND', 'No user of this integration has this id.', field));
    return null;
  };

  const userMappings: CallAssignmentSettings['userMappings'] = [];
  const rawMappings = Array.isArray(input.userMappings) ? (input.userMappings as Record<string, unknown>[]) : [];
  for (const [index, raw] of rawMappings.entries()) {
    const reference = typeof raw.agentId === 'string' ? raw.agentId.trim() : '';
    const agentId = reference === '' ? null : facts.agentId(reference);
    if (agentId === null) {
      errors.push(
        apiError('AGENT_NOT_FOUND', 'No agent of the tenant has this id, email or employee id.', `userMappings/${index}/agentId`),
      );
    } else if (userMappings.some((m) => m.agentId === agentId)) {
      errors.push(apiError('DUPLICATE_USER_MAPPING', 'This agent is mapped already.', `userMappings/${index}/agentId`));
    }
    const integrationUserId = user(raw.integrationUserId, `userMappings/${index}/integrationUserId`);
    if (raw.integrationUserId === undefined || raw.integrationUserId === null || raw.integrationUserId === '') {
      errors.push(apiError('REQUIRED', 'A mapping names the integration user.', `userMappings/${index}/integrationUserId`));
    }
    if (agentId !== null && integrationUserId !== null) userMappings.push({ agentId, integrationUserId });
  }

  const rawAssign = input.assignMissedCallsTo ?? 'automatic';
  let assignMissedCallsTo: CallAssignmentSettings['assignMissedCallsTo'] = 'automatic';
  if (rawAssign === 'automatic' || rawAssign === 'unassigned') assignMissedCallsTo = rawAssign;
  else if (typeof rawAssign === 'object' && rawAssign !== null && 'user' in rawAssign) {
    assignMissedCallsTo = { user: user((rawAssign as { user: unknown }).user, 'assignMissedCallsTo/user') ?? '' };
  } else {
    errors.push(
      apiError(
        'INVALID_VALUE',
        'assignMissedCallsTo is "automatic", "unassigned" or {"user": <user id>}.',
        'assignMissedCallsTo',
      ),
    );
  }

  const installerUserId = user(input.installerUserId, 'installerUserId');
  const defaultAssigneeId = user(input.defaultAssigneeId, 'defaultAssigneeId');
  const callExport = checkCallExport(input.callExport, facts.credentialStoredFor, errors);
  return done(errors, () => ({
    fields: {
      name,
      type,
      callExport: callExport.target,
      users,
      userMappings,
      assignMissedCallsTo,
      contactOwners: input.contactOwners === true,
      installerUserId,
      defaultAssigneeId,
    },
    exportCredential: callExport.credential,
  }));
}

export interface FlowFields {
  name: string;
  devName: string;
  description: string | null;
  reusable: boolean;
  fallbackQueueId: string | null;
}

export function checkFlow(
  input: { name?: unknown; devName?: unknown; description?: unknown; reusable?: unknown; fallbackQueueId?: unknown },
  facts: { fallbackQueueExists: boolean },
): Checked<FlowFields> {
  const errors: ApiError[] = [];
  const name = requiredText(input.name, 'name', errors);
  const devName = checkDevName(input.devName, name, errors);
  const fallbackQueueId =
    typeof input.fallbackQueueId === 'string' && input.fallbackQueueId !== '' ? input.fallbackQueueId : null;
  if (fallbackQueueId !== null && !facts.fallbackQueueExists) {
    errors.push(apiError('QUEUE_NOT_FOUND', 'No queue with this id in the tenant.', 'fallbackQueueId'));
  }
  return done(errors, () => ({
    name,
    devName,
    description: optionalText(input.description),
    reusable: input.reusable === true,
    fallbackQueueId,
  }));
}

export interface ExceptionFields {
  queueId: string;
  slaMinutes: number | null;
}

/** An entry-point exception: a queue that must exist and an optional SLA (blank inherits). */
export function checkException(
  input: { queueId?: unknown; slaMinutes?: unknown },
  facts: { queueExists: boolean },
  fieldPrefix = '',
): Checked<ExceptionFields> {
  const errors: ApiError[] = [];
  const queueId = requiredText(input.queueId, `${fieldPrefix}queueId`, errors);
  if (queueId !== '' && !facts.queueExists) {
    errors.push(apiError('QUEUE_NOT_FOUND', 'No queue with this id in the tenant.', `${fieldPrefix}queueId`));
  }
  const sla = parseSlaMinutes(input.slaMinutes, `${fieldPrefix}slaMinutes`);
  if (!sla.ok) errors.push(sla.error);
  return done(errors, () => ({ queueId, slaMinutes: sla.ok ? sla.minutes : null }));
}

export type AgentFields = Pick<
  Agent,
  'name' | 'email' | 'employeeId' | 'attributes' | 'capacity' | 'voiceBlocksOtherWork' | 'queueIds' | 'voiceEndpoint'
>;

/** Queue routing settings, merged over the defaults; requirements are compiled here. */
export function checkQueueRouting(input: unknown, current: QueueRouting = defaultQueueRouting): Checked<QueueRouting> {
  const errors: ApiError[] = [];
  const given = (input ?? {}) as Partial<QueueRouting>;
  const routing: QueueRouting = { ...current, ...given, escalation: given.escalation ?? current.escalation };
  if (routing.selection === 'most-proficient' && !routing.proficiencySkill) {
    errors.push(
      apiError('REQUIRED', 'most-proficient selection needs the proficiencySkill that ranks agents.', 'routing/proficiencySkill'),
    );
  }
  let previous = -1;
  routing.escalation.forEach((step, index) => {
    if (step.afterSeconds <= previous) {
      errors.push(
        apiError(
          'INVALID_VALUE',
          'Escalation steps must start at increasing afterSeconds.',
          `routing/escalation/${index}/afterSeconds`,
        ),
      );
    }
    previous = step.afterSeconds;
    if (step.requirements !== null) {
      const compiled = compileExpression(step.requirements, 'agent');
      if (!compiled.ok) {
        const at = compiled.column === null ? '' : ` (column ${compiled.column})`;
        errors.push(apiError('INVALID_EXPRESSION', `${compiled.message}${at}`, `routing/escalation/${index}/requirements`));
      }
    }
  });
  return done(errors, () => ({ ...routing, proficiencySkill: routing.proficiencySkill ?? null }));
}

/** The attributes object of an agent or contact, checked against the free-form limits. */
function freeFormAttributes(value: unknown, errors: ApiError[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const error = freeFormError(value, 'attributes');
  if (error) errors.push(error);
  return value as Record<string, unknown>;
}

export function checkAgent(
  input: {
    name?: unknown;
    email?: unknown;
    employeeId?: unknown;
    attributes?: unknown;
    capacity?: unknown;
    voiceBlocksOtherWork?: unknown;
    queueIds?: unknown;
    voiceEndpoint?: unknown;
  },
  facts: { queueExists: (id: string) => boolean; defaultCountry?: string | null } = { queueExists: () => true },
): Checked<AgentFields> {
  const errors: ApiError[] = [];
  const name = requiredText(input.name, 'name', errors);
  const rawEmail = typeof input.email === 'string' ? input.email : '';
  const email = normalizeEmail(rawEmail);
  if (rawEmail.trim() === '') errors.push(apiError('REQUIRED', 'email is required.', 'email'));
  else if (email === null) errors.push(apiError('INVALID_EMAIL', 'email must be an email address.', 'email'));
  const attributes = freeFormAttributes(input.attributes, errors);
  const queueIds = Array.isArray(input.queueIds) ? [...new Set(input.queueIds as string[])] : [];
  queueIds.forEach((id, index) => {
    if (!facts.queueExists(id))
      errors.push(apiError('QUEUE_NOT_FOUND', 'No queue with this id in the tenant.', `queueIds/${index}`));
  });
  const capacity = { ...defaultAgentCapacity, ...((input.capacity ?? {}) as Partial<Record<ChannelType, number>>) };
  const voiceEndpoint = checkVoiceEndpoint(input.voiceEndpoint, facts.defaultCountry ?? null, errors);
  return done(errors, () => ({
    name,
    email: email ?? '',
    employeeId: optionalText(input.employeeId),
    attributes,
    capacity,
    voiceBlocksOtherWork: input.voiceBlocksOtherWork !== false,
    queueIds,
    voiceEndpoint,
  }));
}

const clientIdentity = /^[A-Za-z0-9_.@-]{1,121}$/;
const sipAddress = /^sips?:[^\s@<>"]+@[^\s<>"]+$/i;

/** Where a voice provider rings the agent: a Client identity, a SIP URI, or a phone number (to E.164). */
function checkVoiceEndpoint(value: unknown, defaultCountry: string | null, errors: ApiError[]): VoiceEndpoint | null {
  if (value === undefined || value === null) return null;
  const endpoint = value as { type?: unknown; address?: unknown };
  const address = typeof endpoint.address === 'string' ? endpoint.address.trim() : '';
  if (endpoint.type === 'client' && clientIdentity.test(address)) return { type: 'client', address };
  if (endpoint.type === 'sip' && sipAddress.test(address)) return { type: 'sip', address };
  const number = endpoint.type === 'number' ? normalizePhoneNumber(address, defaultCountry) : null;
  if (number) return { type: 'number', address: number };
  const expected =
    endpoint.type === 'client'
      ? 'a Client identity: letters, digits and _ . @ - (at most 121)'
      : endpoint.type === 'sip'
        ? 'a SIP URI such as sip:ana@pbx.example.com'
        : endpoint.type === 'number'
          ? 'a phone number'
          : null;
  errors.push(
    expected
      ? apiError('INVALID_VALUE', `voiceEndpoint.address must be ${expected}.`, 'voiceEndpoint.address')
      : apiError('INVALID_ENUM', 'voiceEndpoint.type must be client, sip or number.', 'voiceEndpoint.type'),
  );
  return null;
}

export type ContactFields = Pick<
  Contact,
  | 'title'
  | 'firstName'
  | 'lastName'
  | 'phoneNumbers'
  | 'emailAddresses'
  | 'favoriteAgentId'
  | 'ownerIntegrationUserId'
  | 'attributes'
>;

/**
 * A contact: phone numbers to E.164 (national ones with the tenant's default country), email
 * addresses lower-cased, duplicates within the contact dropped. It needs at least one of them: a
 * contact is found by its numbers and addresses, so one without any could never be matched.
 * `favoriteAgentId` arrives as an agent id, email or employee id; `agentId` resolves it.
 * `positions` gives, for each kept number and address, its index in the input, so a later error
 * about one of them names the field as it was sent.
 */
export function checkContact(
  input: {
    title?: unknown;
    firstName?: unknown;
    lastName?: unknown;
    phoneNumbers?: unknown;
    emailAddresses?: unknown;
    favoriteAgentId?: unknown;
    ownerIntegrationUserId?: unknown;
    attributes?: unknown;
  },
  facts: { defaultCountry: string | null; agentId: (ref: string) => string | null },
): Checked<{ fields: ContactFields; positions: { phoneNumbers: number[]; emailAddresses: number[] } }> {
  const errors: ApiError[] = [];
  const positions = { phoneNumbers: [] as number[], emailAddresses: [] as number[] };
  const phoneNumbers: string[] = [];
  const rawPhones = Array.isArray(input.phoneNumbers) ? input.phoneNumbers : [];
  rawPhones.forEach((raw, index) => {
    const phone = typeof raw === 'string' ? normalizePhoneNumber(raw, facts.defaultCountry) : null;
    if (phone === null) {
      errors.push(apiError('INVALID_E164', 'Not a phone number that can be normalised to E.164.', `phoneNumbers/${index}`));
    } else if (!phoneNumbers.includes(phone)) {
      phoneNumbers.push(phone);
      positions.phoneNumbers.push(index);
    }
  });
  const emailAddresses: string[] = [];
  const rawEmails = Array.isArray(input.emailAddresses) ? input.emailAddresses : [];
  rawEmails.forEach((raw, index) => {
    const email = typeof raw === 'string' ? normalizeEmail(raw) : null;
    if (email === null) errors.push(apiError('INVALID_EMAIL', 'Not an email address.', `emailAddresses/${index}`));
    else if (!emailAddresses.includes(email)) {
      emailAddresses.push(email);
      positions.emailAddresses.push(index);
    }
  });
  if (rawPhones.length === 0 && rawEmails.length === 0) {
    errors.push(
      apiError('REQUIRED', 'A contact needs a phone number or an email address: that is how it is found.', 'phoneNumbers'),
    );
  }
  let favoriteAgentId: string | null = null;
  const favorite = optionalText(input.favoriteAgentId);
  if (favorite !== null) {
    favoriteAgentId = facts.agentId(favorite);
    if (favoriteAgentId === null) {
      errors.push(apiError('AGENT_NOT_FOUND', 'No agent of the tenant has this id, email or employee id.', 'favoriteAgentId'));
    }
  }
  const attributes = freeFormAttributes(input.attributes, errors);
  return done(errors, () => ({
    fields: {
      title: optionalText(input.title),
      firstName: optionalText(input.firstName),
      lastName: optionalText(input.lastName),
      phoneNumbers,
      emailAddresses,
      favoriteAgentId,
      ownerIntegrationUserId: optionalText(input.ownerIntegrationUserId),
      attributes,
    },
    positions,
  }));
}
