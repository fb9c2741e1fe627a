import type { CallExport } from '../../core/integrations.js';
import type { CrmContact } from '../../engine/exports/export-format.js';

/** HubSpot's association type of a call to a contact (HUBSPOT_DEFINED). */
export const callToContactAssociation = 194;

/** The contacts search for a phone number: its `phone` or `mobilephone`, asking for the owner. */
export function contactSearchBody(phone: string): unknown {
  return {
    filterGroups: ['phone', 'mobilephone'].map((propertyName) => ({
      filters: [{ propertyName, operator: 'EQ', value: phone }],
    })),
    properties: ['hubspot_owner_id'],
    limit: 1,
  };
}

/** The first contact a search found, with its owner; null when it found none. */
export function contactFrom(body: unknown): CrmContact | null {
  const results = (body as { results?: { id?: unknown; properties?: Record<string, unknown> }[] } | null)?.results;
  const first = Array.isArray(results) ? results[0] : undefined;
  if (!first || typeof first.id !== 'string') return null;
  const owner = first.properties?.hubspot_owner_id;
  return { id: first.id, ownerId: typeof owner === 'string' && owner !== '' ? owner : null };
}

const titles: Record<CallExport['call']['outcome'], string> = {
  answered: 'Call',
  missed: 'Missed call',
  voicemail: 'Voicemail',
  callback_requested: 'Callback requested',
};

/**
 * A call engagement (`POST /crm/v3/objects/calls`): when, which way, how it ended, who owns the follow-up
 * (`hubspot_owner_id`: the assignee), the recording, and the contact it is logged on.
 */
export function callBody(record: CallExport, contact: CrmContact | null): unknown {
  const { call, assignment } = record;
  const inbound = call.direction === 'inbound';
  const properties: Record<string, string> = {
    hs_timestamp: call.startedAt,
    hs_call_title: `${titles[call.outcome]} ${inbound ? 'from' : 'to'} ${call.customer ?? 'an unknown number'}`,
    hs_call_body: [
      `Switchboard interaction ${record.interactionId}.`,
      assignment ? `Assigned by ${assignment.method}.` : '',
      call.voicemailUrl ? `Voicemail: ${call.voicemailUrl}` : '',
    ]
      .filter((line) => line !== '')
      .join('\n'),
    hs_call_direction: inbound ? 'INBOUND' : 'OUTBOUND',
    hs_call_status: call.outcome === 'answered' ? 'COMPLETED' : 'NO_ANSWER',
    hs_call_duration: String((call.talkSeconds ?? 0) * 1000),
  };
  const from = inbound ? call.customer : call.contactPoint;
  const to = inbound ? call.contactPoint : call.customer;
  if (from) properties.hs_call_from_number = from;
  if (to) properties.hs_call_to_number = to;
  // HubSpot plays back only https recordings.
  const recording = call.recordingUrl ?? call.voicemailUrl;
  if (recording?.startsWith('https://')) properties.hs_call_recording_url = recording;
  if (assignment?.assigneeIntegrationUserId) properties.hubspot_owner_id = assignment.assigneeIntegrationUserId;
  return {
    properties,
    associations: contact
      ? [
          {
            to: { id: contact.id },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: callToContactAssociation }],
          },
        ]
      : [],
  };
}
