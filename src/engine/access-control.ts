import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AgentToken, ApiKey } from '../core/model.js';
import type { Store } from '../store/store.js';

/** Who is calling. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'tenant'; tenantId: string; keyId: string }
  | { kind: 'agent'; tenantId: string; agentId: string }
  /** A supervisor signed in to the web UI: reads the tenant, changes nothing. */
  | { kind: 'supervisor'; tenantId: string; userId: string };

const keyPrefix = 'sbk_';
const agentTokenPrefix = 'sbt_';

/** SHA-256 is enough for secrets of 256 random bits: there is nothing to guess by brute force. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new random secret: `sbk_` + 43 url-safe characters (256 bits). */
export function generateApiKeySecret(): string {
  return keyPrefix + randomBytes(32).toString('base64url');
}

/** A new bootstrap admin token. */
export function generateAdminToken(): string {
  return `sba_${randomBytes(32).toString('base64url')}`;
}

export interface AccessControl {
  /** The principal of a bearer token, or null when it is unknown or revoked. */
  authenticate(token: string): Promise<Principal | null>;
  /** The same, from the hash of the token (a web session opened with it keeps only the hash). */
  authenticateHash(hash: string): Promise<Principal | null>;
  /** Creates a tenant API key; the secret is returned once and only its hash is kept. */
  issueApiKey(tenantId: string, name: string, id: string, now: string): Promise<{ key: ApiKey; secret: string }>;
  /** Creates an agent token, the same way. */
  issueAgentToken(tenantId: string, agentId: string, id: string, now: string): Promise<{ token: AgentToken; secret: string }>;
}

export function createAccessControl(deps: { store: Store; adminToken: string }): AccessControl {
  const adminHash = Buffer.from(hashSecret(deps.adminToken), 'hex');
  return {
    async authenticate(token) {
      const hash = hashSecret(token);
      // Compare hashes in constant time so the admin token cannot be found byte by byte.
      if (timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) return { kind: 'admin' };
      if (token.startsWith(agentTokenPrefix)) {
        const agentToken = await deps.store.findActiveAgentToken(hash);
        return agentToken ? { kind: 'agent', tenantId: agentToken.tenantId, agentId: agentToken.agentId } : null;
      }
      if (!token.startsWith(keyPrefix)) return null;
      const key = await deps.store.findActiveApiKey(hash);
      return key ? { kind: 'tenant', tenantId: key.tenantId, keyId: key.id } : null;
    },
    async authenticateHash(hash) {
      // Compare hashes in constant time so the admin token cannot be found byte by byte.
      if (/^[0-9a-f]{64}$/.test(hash) && timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) return { kind: 'admin' };
      const agentToken = await deps.store.findActiveAgentToken(hash);
      if (agentToken) return { kind: 'agent', tenantId: agentToken.tenantId, agentId: agentToken.agentId };
      const key = await deps.store.findActiveApiKey(hash);
      return key ? { kind: 'tenant', tenantId: key.tenantId, keyId: key.id } : null;
    },
    async issueAgentToken(tenantId, agentId, id, now) {
      const secret = agentTokenPrefix + randomBytes(32).toString('base64url');
      const token: AgentToken = { id, tenantId, agentId, prefix: secret.slice(0, 10), createdAt: now, revokedAt: null };
      await deps.store.createAgentToken(token, hashSecret(secret));
      return { token, secret };
    },
    async issueApiKey(tenantId, name, id, now) {
      const secret = generateApiKeySecret();
      const key: ApiKey = { id, tenantId, name, prefix: secret.slice(0, 10), createdAt: now, revokedAt: null };
      await deps.store.createApiKey(key, hashSecret(secret));
      return { key, secret };
    },
  };
}
