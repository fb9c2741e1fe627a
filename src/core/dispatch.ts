import { normalizeAddress, normalizeEmail, normalizeLoosely, normalizePhoneNumber } from './address.js';
import { type ApiError, apiError } from './errors.js';
import {
  type ChannelType,
  type Direction,
  type DispatchDecision,
  type DispatchMapping,
  directions,
  type InteractionField,
  interactionFields,
  type MappingChannelType,
  mappingChannelTypes,
} from './model.js';

/** A mapping's fields as written by an administrator, before defaults and normalisation. */
export interface DispatchMappingInput {
  name?: unknown;
  description?: unknown;
  channelType?: unknown;
  interactionField?: unknown;
  value?: unknown;
  flowId?: unknown;
  version?: unknown;
  active?: unknown;
}

/** What validation needs to know about the rest of the tenant, looked up by the caller. */
export interface DispatchMappingContext {
  defaultCountry: string | null;
  /** The target flow, or null when flowId names no flow of the tenant. */
  flow: { reusable: boolean; versionIds: ReadonlySet<string> } | null;
  /** Ids and types of the tenant's integrations: what a `source` value may name. */
  integrationKeys: ReadonlySet<string>;
}

export type DispatchMappingFields = Pick<
  DispatchMapping,
  'name' | 'description' | 'channelType' | 'interactionField' | 'value' | 'flowId' | 'version' | 'active'
>;

/**
 * Applies the create-form defaults (CONTRACT 0(c) 2), validates every field against the rules of
 * CONTRACT 0(c) 3–12 and normalises the value. Returns every problem at once.
 */
export function validateDispatchMapping(
  input: DispatchMappingInput,
  context: DispatchMappingContext,
): { ok: true; mapping: DispatchMappingFields } | { ok: false; errors: ApiError[] } {
  const errors: ApiError[] = [];
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '') errors.push(apiError('REQUIRED', 'Please enter a name.', 'name'));

  const channelType = (input.channelType ?? 'any') as MappingChannelType;
  if (!mappingChannelTypes.includes(channelType)) {
    errors.push(apiError('INVALID_ENUM', `channelType must be one of ${mappingChannelTypes.join(', ')}.`, 'channelType'));
  }
  const interactionField = (input.interactionField ?? 'customer') as InteractionField;
  if (!interactionFields.includes(interactionField)) {
    errors.push(apiError('INVALID_ENUM', `interactionField must be one of ${interactionFields.join(', ')}.`, 'interactionField'));
  }

  let value: string | null = null;
  if (mappingChannelTypes.includes(channelType) && interactionFields.includes(interactionField)) {
    const raw = typeof input.value === 'string' ? input.value : '';
    const checked = normalizeMappingValue(channelType, interactionField, raw, context);
    if ('error' in checked) errors.push(checked.error);
    else value = checked.value;
  }

  const flowId = typeof input.flowId === 'string' ? input.flowId : '';
  if (flowId === '') errors.push(apiError('REQUIRED', 'Please select a flow.', 'flowId'));
  else if (context.flow === null) errors.push(apiError('FLOW_NOT_FOUND', 'No flow with this id in the tenant.', 'flowId'));
  else if (context.flow.reusable) {
    errors.push(apiError('FLOW_NOT_DISPATCHABLE', 'A reusable flow cannot be dispatched to; choose a main flow.', 'flowId'));
  }

  // The vendor UI sends the string "null" for "Active Version"; it means the same as JSON null.
  const version = input.version === undefined || input.version === null || input.version === 'null' ? null : input.version;
  if (version !== null && typeof version !== 'string') {
    errors.push(apiError('INVALID_TYPE', 'version must be a flow version id or null.', 'version'));
  } else if (version !== null && context.flow !== null && !context.flow.versionIds.has(version)) {
    errors.push(apiError('FLOW_VERSION_NOT_FOUND', 'The version is not a version of this flow.', 'version'));
  }

  if (errors.length > 0 || value === null) return { ok: false, errors };
  return {
    ok: true,
    mapping: {
      name,
      description: typeof input.description === 'string' && input.description.trim() !== '' ? input.description : null,
      channelType,
      interactionField,
      value,
      flowId,
      version: version as string | null,
      active: input.active === undefined ? true : input.active === true,
    },
  };
}

function emailValue(raw: string): { value: string } | { error: ApiError } {
  const value = normalizeEmail(raw);
  return value ? { value } : { error: apiError('INVALID_EMAIL', 'Please enter a valid email address.', 'value') };
}

/** The value rules of CONTRACT 0(a') "Validation" and 0(c) 8–12, by channel type and field. */
function normalizeMappingValue(
  channelType: MappingChannelType,
  field: InteractionField,
  raw: string,
  context: DispatchMappingContext,
): { value: string } | { error: ApiError } {
  const phoneLike = channelType === 'voice' || channelType === 'sms' || channelType === 'messaging';
  if (raw.trim() === '') {
    const message =
      field === 'contact-point' && phoneLike
        ? 'Please enter an e.164 formatted number or SIP address.'
        : field === 'contact-point' && channelType === 'email'
          ? 'Please enter an email address.'
          : 'Please set a mapping value.';
    return { error: apiError('REQUIRED', message, 'value') };
  }
  switch (field) {
    case 'contact-point': {
      if (phoneLike) {
        const value = normalizeAddress(raw, 'phone-or-sip', null);
        return value
          ? { value }
          : {
              error: apiError(
                'INVALID_E164_OR_SIP',
                'Please enter either a valid e.164 formatted number or a valid SIP address.',
                'value',
              ),
            };
      }
      if (channelType === 'email') return emailValue(raw);
      return { value: normalizeLoosely(raw, context.defaultCountry) };
    }
    case 'customer': {
      if (phoneLike) {
        const value = normalizePhoneNumber(raw, context.defaultCountry);
        return value
          ? { value }
          : {
              error: apiError(
                'INVALID_E164',
                context.defaultCountry
                  ? 'Please enter a phone number in E.164 format, or a national number of the tenant default country.'
                  : 'Please enter a phone number in E.164 format (the tenant has no default country for national numbers).',
                'value',
              ),
            };
      }
      if (channelType === 'email') return emailValue(raw);
      return { value: normalizeLoosely(raw, context.defaultCountry) };
    }
    case 'direction': {
      const value = raw.trim().toLowerCase();
      return directions.includes(value as Direction)
        ? { value }
        : { error: apiError('INVALID_DIRECTION', `direction must be one of ${directions.join(', ')}.`, 'value') };
    }
    case 'source': {
      // Matching is exact string equality (CONTRACT Q0.6), so the value is not normalised.
      return context.integrationKeys.has(raw)
        ? { value: raw }
        : {
            error: apiError(
              'INTEGRATION_NOT_FOUND',
              'The value must be the id or type of one of the tenant integrations.',
              'value',
            ),
          };
    }
  }
}

/** The fields of an interaction that mappings match against, already normalised. */
export interface DispatchKey {
  channelType: ChannelType;
  direction: Direction;
  customer: string | null;
  contactPoint: string | null;
  source: string | null;
}

/** A mapping considered for dispatch; `depth` is 0 for the tenant's own, 1 for its parent's, … */
export interface DispatchCandidate {
  mapping: DispatchMapping;
  depth: number;
}

const fieldRank: Record<InteractionField, number> = { customer: 4, 'contact-point': 3, source: 2, direction: 1 };

const fieldOf: Record<InteractionField, keyof DispatchKey> = {
  customer: 'customer',
  'contact-point': 'contactPoint',
  source: 'source',
  direction: 'direction',
};

export type DispatchMatch = { matched: true; winner: DispatchCandidate; candidates: number } | { matched: false };

/**
 * CONTRACT 0(b'): among the active mappings for the interaction's channel type or `any`, those whose
 * field equals the interaction's value match; the most specific wins — by field (customer >
 * contact-point > source > direction), then exact channel over `any`, then the tenant's own mapping
 * over an inherited one. Uniqueness of active (channelType, field, value) per tenant means no ties.
 */
export function matchDispatchMapping(key: DispatchKey, candidates: readonly DispatchCandidate[]): DispatchMatch {
  let winner: DispatchCandidate | null = null;
  let count = 0;
  for (const candidate of candidates) {
    const { mapping } = candidate;
    if (!mapping.active) continue;
    if (mapping.channelType !== 'any' && mapping.channelType !== key.channelType) continue;
    if (key[fieldOf[mapping.interactionField]] !== mapping.value) continue;
    count++;
    if (winner === null || outranks(candidate, winner)) winner = candidate;
  }
  return winner ? { matched: true, winner, candidates: count } : { matched: false };
}

function outranks(a: DispatchCandidate, b: DispatchCandidate): boolean {
  const byField = fieldRank[a.mapping.interactionField] - fieldRank[b.mapping.interactionField];
  if (byField !== 0) return byField > 0;
  const exactA = a.mapping.channelType === 'any' ? 0 : 1;
  const exactB = b.mapping.channelType === 'any' ? 0 : 1;
  if (exactA !== exactB) return exactA > exactB;
  if (a.depth !== b.depth) return a.depth < b.depth;
  // Cannot happen within one tenant (uniqueness); across ancestors the depth decided. Stable order.
  return a.mapping.id < b.mapping.id;
}

/** The flow facts dispatch needs to pick a version. */
export interface DispatchFlow {
  id: string;
  activeVersionId: string | null;
  versionIds: ReadonlySet<string>;
}

/**
 * Turns a match into the decision recorded on the interaction: the flow version pinned by the
 * mapping, or the flow's active version at this moment (CONTRACT 0(b') 5–6).
 */
export function decideDispatch(
  key: DispatchKey,
  match: DispatchMatch,
  flow: DispatchFlow | null,
): { decision: DispatchDecision; error: 'NO_DISPATCH_MAPPING' | 'FLOW_VERSION_NOT_FOUND' | null } {
  if (!match.matched) {
    return {
      error: 'NO_DISPATCH_MAPPING',
      decision: {
        mappingId: null,
        mappingName: null,
        channelType: null,
        interactionField: null,
        value: null,
        inherited: false,
        flowId: null,
        flowVersionId: null,
        versionPinned: false,
        candidates: 0,
        reason: `No active mapping for channel ${key.channelType} (or any) matched customer ${key.customer ?? '-'}, contact point ${
          key.contactPoint ?? '-'
        }, source ${key.source ?? '-'} or direction ${key.direction}.`,
      },
    };
  }
  const { mapping, depth } = match.winner;
  const pinned = mapping.version !== null;
  const versionId = pinned ? mapping.version : (flow?.activeVersionId ?? null);
  const usable = flow !== null && versionId !== null && flow.versionIds.has(versionId);
  const channel = mapping.channelType === 'any' ? 'any channel' : `channel ${mapping.channelType}`;
  const others = match.candidates > 1 ? `; it was the most specific of ${match.candidates} matching mappings` : '';
  const origin = depth > 0 ? ' (inherited from a parent tenant)' : '';
  const versionText = pinned ? `pinned version ${versionId}` : `active version ${versionId ?? '(none)'}`;
  return {
    error: usable ? null : 'FLOW_VERSION_NOT_FOUND',
    decision: {
      mappingId: mapping.id,
      mappingName: mapping.name,
      channelType: mapping.channelType,
      interactionField: mapping.interactionField,
      value: mapping.value,
      inherited: depth > 0,
      flowId: mapping.flowId,
      flowVersionId: usable ? versionId : null,
      versionPinned: pinned,
      candidates: match.candidates,
      reason:
        `Mapping "${mapping.name}"${origin} matched ${mapping.interactionField} = ${mapping.value} on ${channel}${others}; ` +
        (usable ? `runs flow ${mapping.flowId} at ${versionText}.` : `but flow ${mapping.flowId} has no ${versionText}.`),
    },
  };
}
