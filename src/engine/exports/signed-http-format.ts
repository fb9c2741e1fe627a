import type { CallExport } from '../../core/integrations.js';
import { webhookSignature } from '../webhook-dispatcher.js';
import { type CallExportFormat, failureOf } from './export-format.js';

/** What a signed-http receiver gets: the export without its delivery bookkeeping. */
export function exportBody(record: CallExport): string {
  const { id, tenantId, integrationId, interactionId, call, assignment, createdAt } = record;
  return JSON.stringify({ id, tenantId, integrationId, interactionId, call, assignment, createdAt });
}

/**
 * Switchboard's own export format: each export POSTed as JSON to the integration's URL, signed like the
 * webhooks (`switchboard-signature: t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<body>">` with the
 * integration's secret). `Idempotency-Key` is the export's id: a receiver drops a repeat by it.
 */
export const signedHttpFormat: CallExportFormat = {
  format: 'signed-http',
  async send(connection, record) {
    const body = exportBody(record);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await connection.http({
      method: 'POST',
      url: connection.url,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': record.id,
        'switchboard-signature': webhookSignature(connection.credential, timestamp, body),
      },
      body,
      timeoutMs: 10_000,
      allowPrivateNetwork: connection.allowPrivateNetwork,
    });
    if (!response.ok) return { kind: 'retry', message: response.message, retryAfterMs: null };
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered', externalId: null };
    return failureOf(response.status, `The receiver answered ${response.status}.`, response.headers);
  },
};
