import { type CallExportFormat, type ExportConnection, failureOf } from '../../engine/exports/export-format.js';
import { callBody, contactFrom, contactSearchBody } from './hubspot-mapping.js';

function request(connection: ExportConnection, path: string, body: unknown) {
  return connection.http({
    method: 'POST',
    url: `${connection.url.replace(/\/+$/, '')}${path}`,
    headers: { authorization: `Bearer ${connection.credential}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    timeoutMs: 15_000,
    allowPrivateNetwork: connection.allowPrivateNetwork,
  });
}

function problem(status: number, body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return `HubSpot answered ${status}${typeof message === 'string' ? `: ${message}` : ''}`;
}

/**
 * HubSpot's CRM API as a call export format: the contact is found by the caller's number through the
 * contacts search (`POST /crm/v3/objects/contacts/search`), which also names its owner for the
 * assignment chain; the call is logged as a call engagement (`POST /crm/v3/objects/calls`) owned by the
 * assignee and associated with the contact. The integration's access token is the bearer token.
 */
export const hubspotFormat: CallExportFormat = {
  format: 'hubspot',
  async findContact(connection, phone) {
    const response = await request(connection, '/crm/v3/objects/contacts/search', contactSearchBody(phone));
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    if (response.status < 200 || response.status >= 300) {
      return failureOf(response.status, problem(response.status, response.body), response.headers);
    }
    return { kind: 'found', contact: contactFrom(response.body) };
  },
  async send(connection, record, contact) {
    const response = await request(connection, '/crm/v3/objects/calls', callBody(record, contact));
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    if (response.status < 200 || response.status >= 300) {
      return failureOf(response.status, problem(response.status, response.body), response.headers);
    }
    const id = (response.body as { id?: unknown } | null)?.id;
    return { kind: 'delivered', externalId: typeof id === 'string' ? id : null };
  },
};
