import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import { type Harness, make } from './harness.js';

// Tokens are minted with jsonwebtoken, the library the vendor's samples use; the server verifies
// with jose. Two implementations that agree are the point.

export const fixtures = new URL('../fixtures/scv/', import.meta.url).pathname;
/**
 * Registers a call center in a tenant as its admin does: the key's public half, with the proof that
 * the registrant holds the private half.
 */
export async function makeCallCenter(
  h: Harness,
  tenant: { id: string; base: string },
  options: { orgId: string; apiName: string; keys: { publicKey: string; privateKey: string } },
  // biome-ignore lint/suspicious/noExplicitAny: JSON documents.
): Promise<any> {
  const now = Math.floor(Date.parse(h.clock.now()) / 1000);
  const { orgId, apiName, keys } = options;
  return make(h, `${tenant.base}/call-centers`, {
    name: 'Connect',
    apiName,
    orgId,
    certificates: [keys.publicKey],
    proofs: [proofToken(keys.privateKey, { orgId, apiName, tenantId: tenant.id, now })],
  });
}

/** A self-signed X.509 certificate and its private key (test only), like the one on a CallCenter record. */
export const providerCertificate = readFileSync(`${fixtures}provider-cert.pem`, 'utf8');
export const providerCertificateKey = readFileSync(`${fixtures}provider-key.pem`, 'utf8');

export function rsaKeyPair(bits = 2048): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export interface TokenOptions {
  orgId: string;
  apiName: string;
  /** Seconds since the epoch: the test's (simulated) now. */
  now: number;
  lifetimeSeconds?: number;
  jti?: string | null;
  aud?: string;
  claims?: Record<string, unknown>;
}

/** A token as the vendor's sample code signs it: RS256, iss = org id, sub = call center API name. */
export function mintToken(privateKey: string, options: TokenOptions): string {
  const payload: Record<string, unknown> = {
    iat: options.now,
    exp: options.now + (options.lifetimeSeconds ?? 300),
    iss: options.orgId,
    sub: options.apiName,
    ...(options.jti === null ? {} : { jti: options.jti ?? randomUUID() }),
    ...(options.aud ? { aud: options.aud } : {}),
    ...options.claims,
  };
  return jwt.sign(payload, privateKey, { algorithm: 'RS256' });
}

/**
 * The proof that registering a key on a call center takes: a token the key signs for the tenant
 * (iss the org id, sub the API name, aud switchboard:<tenant id>).
 */
export function proofToken(
  privateKey: string,
  options: { orgId: string; apiName: string; tenantId: string; now: number },
): string {
  return jwt.sign({ iat: options.now, exp: options.now + 300 }, privateKey, {
    algorithm: 'RS256',
    issuer: options.orgId,
    subject: options.apiName,
    audience: `switchboard:${options.tenantId}`,
  });
}

/** A token with any header, signed (or not) by hand: for alg confusion and `none`. */
export function handMadeToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

export interface ScvResponse {
  status: number;
  contentType: string;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON documents.
  json: any;
}

/** A request to the telephony API through the real app; the body is sent as given (JSON or XML text). */
export async function scv(
  h: Harness,
  method: 'POST' | 'PATCH',
  path: string,
  options: { token?: string | null; body?: unknown; contentType?: string; headers?: Record<string, string> } = {},
): Promise<ScvResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await h.app.inject({ method, url: `/telephony/v1${path}`, headers, payload });
  const contentType = String(response.headers['content-type'] ?? '');
  let json: unknown = null;
  if (contentType.includes('json') && response.body) json = JSON.parse(response.body);
  return { status: response.statusCode, contentType, text: response.body, json };
}
