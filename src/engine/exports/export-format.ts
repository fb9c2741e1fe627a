import type { CallExport, CallExportTarget } from '../../core/integrations.js';
import { type HttpClient, retryAfterMs } from '../http-client.js';

/** Where and how one export attempt goes: the integration's target, its credential, the HTTP client. */
export interface ExportConnection {
  url: string;
  /** The write-only secret or access token of the integration's export. */
  credential: string;
  http: HttpClient;
  allowPrivateNetwork: boolean;
}

/** An answer the integrated system gave: refused for good (a 4xx), or to try again (network, 429, 5xx). */
export type ExportFailure =
  | { kind: 'refused'; message: string }
  | { kind: 'retry'; message: string; retryAfterMs: number | null };

/** The customer's record in the integrated system, and its owner (a user id of the integration). */
export interface CrmContact {
  id: string;
  ownerId: string | null;
}

/**
 * A format finished calls are exported in (signed HTTP, a CRM's API), as the engine uses it. A CRM adapter
 * (src/adapters/<crm>) implements one; the engine picks it by the integration's `callExport.format`.
 */
export interface CallExportFormat {
  format: CallExportTarget['format'];
  /**
   * The customer's contact in the integrated system, found by phone number: its id (to link the call to)
   * and owner (the assignment chain's contact owner). Absent when the format cannot look contacts up.
   */
  findContact?(
    connection: ExportConnection,
    phone: string,
  ): Promise<{ kind: 'found'; contact: CrmContact | null } | ExportFailure>;
  /** Sends the export; `delivered` with the record the integrated system made, when it names one. */
  send(
    connection: ExportConnection,
    record: CallExport,
    contact: CrmContact | null,
  ): Promise<{ kind: 'delivered'; externalId: string | null } | ExportFailure>;
}

/** How an HTTP answer that is not a 2xx reads: 408, 429 and 5xx are tried again, other 4xx are refusals. */
export function failureOf(status: number, message: string, headers: Record<string, string>): ExportFailure {
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', message, retryAfterMs: retryAfterMs(headers['retry-after']) };
  }
  return { kind: 'refused', message };
}
