import { type HttpReceiver, sendJson, startHttpReceiver } from './http-receiver.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON documents.
type Json = any;

/** A contact of the stand-in CRM: its id, phone number and owner (a HubSpot owner id). */
export interface StandInContact {
  id: string;
  phone: string;
  ownerId: string | null;
}

/**
 * HubSpot's CRM API on loopback, as much of it as call exports use: the contacts search (filter groups
 * OR-ed, filters AND-ed, EQ on a property) and call engagement creation, both behind the private app's
 * bearer token, answering HubSpot's shapes (401 with a category for a bad token). Calls it creates are
 * kept for the test to read.
 */
export interface HubSpotStandIn {
  url: string;
  receiver: HttpReceiver;
  contacts: StandInContact[];
  calls: Json[];
  /** A status to answer the next requests with instead (e.g. 503 to make the client retry). */
  failWith: number | null;
  close(): Promise<void>;
}

export async function startHubSpotStandIn(token: string): Promise<HubSpotStandIn> {
  const standIn: Omit<HubSpotStandIn, 'url' | 'receiver' | 'close'> = { contacts: [], calls: [], failWith: null };
  const receiver = await startHttpReceiver((request, response) => {
    if (request.headers.authorization !== `Bearer ${token}`) {
      sendJson(response, 401, {
        status: 'error',
        message: 'Authentication credentials not found.',
        category: 'INVALID_AUTHENTICATION',
      });
      return;
    }
    if (standIn.failWith !== null) {
      sendJson(response, standIn.failWith, { status: 'error', message: 'Unavailable', category: 'SERVICE_UNAVAILABLE' });
      return;
    }
    let body: Json;
    try {
      body = JSON.parse(request.body);
    } catch {
      sendJson(response, 400, { status: 'error', message: 'Invalid input JSON', category: 'VALIDATION_ERROR' });
      return;
    }
    if (request.method === 'POST' && request.url === '/crm/v3/objects/contacts/search') {
      const matches = (contact: StandInContact) =>
        (body.filterGroups as Json[]).some((group) =>
          (group.filters as Json[]).every(
            (filter) =>
              filter.operator === 'EQ' &&
              ['phone', 'mobilephone'].includes(filter.propertyName) &&
              filter.value === contact.phone,
          ),
        );
      const results = standIn.contacts.filter(matches).map((contact) => ({
        id: contact.id,
        properties: { hs_object_id: contact.id, hubspot_owner_id: contact.ownerId ?? '' },
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        archived: false,
      }));
      sendJson(response, 200, { total: results.length, results: results.slice(0, body.limit ?? 10) });
      return;
    }
    if (request.method === 'POST' && request.url === '/crm/v3/objects/calls') {
      if (typeof body.properties?.hs_timestamp !== 'string') {
        sendJson(response, 400, { status: 'error', message: 'hs_timestamp is required', category: 'VALIDATION_ERROR' });
        return;
      }
      const id = String(9000 + standIn.calls.length);
      standIn.calls.push({ id, ...body });
      sendJson(response, 201, { id, properties: body.properties, createdAt: body.properties.hs_timestamp, archived: false });
      return;
    }
    sendJson(response, 404, { status: 'error', message: 'Not found', category: 'OBJECT_NOT_FOUND' });
  });
  return Object.assign(standIn, { url: receiver.url, receiver, close: () => receiver.close() });
}
