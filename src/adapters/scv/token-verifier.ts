import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { CallCenter, Tenant } from '../../core/model.js';
import { publicKeyOf } from '../../engine/call-center-service.js';
import type { Clock } from '../../engine/clock.js';
import type { Store } from '../../store/store.js';

/** Why a token is refused; the routes answer 401 with this message. */
export class TokenRefused extends Error {}

/** How far ahead of our clock a token's `iat` may be (the provider's clock may run fast). */
const clockSkewSeconds = 300;
/** The vendor: tokens expire within 24 hours of being issued. */
const maxLifetimeSeconds = 24 * 60 * 60;
const maxCachedTokens = 10_000;

export interface VerifiedCaller {
  tenant: Tenant;
  callCenter: CallCenter;
}

/**
 * Verifies the telephony API's bearer tokens as Service Cloud Voice does (CONTRACT 3(b')): RS256
 * only, signed by one of the call center's keys, `iss` its org id and `sub` its API name, `exp`
 * required and at most 24 h after `iat`, `aud` checked when present, and a `jti` accepted once
 * (remembered in the store, so a replay is refused after a restart too).
 *
 * Tokens without a `jti` may be used until they expire, so a verified one is remembered for that
 * long, with the key that verified it: once that key is removed from the call center (or the
 * audience changes), the token is verified afresh. A refused token is never remembered.
 */
export function createTokenVerifier(deps: { store: Store; clock: Clock }) {
  const keys = new Map<string, KeyObject | null>();
  const verified = new Map<string, { callCenterId: string; pem: string; audience: string; expiresAt: number }>();

  function keyOf(pem: string): KeyObject | null {
    let key = keys.get(pem);
    if (key === undefined) {
      const checked = publicKeyOf(pem);
      key = checked.ok ? checked.key : null;
      keys.set(pem, key);
    }
    return key;
  }

  async function callerOf(callCenter: CallCenter): Promise<VerifiedCaller> {
    const tenant = await deps.store.getTenant(callCenter.tenantId);
    if (!tenant) throw new TokenRefused('The call center has no tenant');
    return { tenant, callCenter };
  }

  return {
    async verify(authorization: string | undefined): Promise<VerifiedCaller> {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!match?.[1]) throw new TokenRefused('Authorization: Bearer <JWT> is required');
      const token = match[1];
      let claims: ReturnType<typeof decodeJwt>;
      try {
        const header = decodeProtectedHeader(token);
        // Checked before anything else: `none` and HS256 (signed with the public key as the secret) are refused.
        if (header.alg !== 'RS256') throw new TokenRefused(`alg must be RS256, not ${String(header.alg)}`);
        claims = decodeJwt(token);
      } catch (error) {
        if (error instanceof TokenRefused) throw error;
        throw new TokenRefused('The token is not a JWT');
      }
      const now = Date.parse(deps.clock.now());
      const remembered = verified.get(token);
      if (typeof claims.iss !== 'string' || typeof claims.sub !== 'string') {
        throw new TokenRefused('iss (org id) and sub (call center API name) are required');
      }
      // Several tenants may register the same issuer and subject: the key that signed the token tells
      // whose call center it is (a key is registered only with a proof of holding it, and only once).
      const candidates = await deps.store.findCallCentersByIssuer(claims.iss, claims.sub);
      if (candidates.length === 0) throw new TokenRefused('No call center has this issuer (iss) and API name (sub)');
      if (remembered && remembered.expiresAt > now) {
        const same = candidates.find(
          (c) =>
            c.id === remembered.callCenterId && c.audience === remembered.audience && c.certificates.includes(remembered.pem),
        );
        if (same) return callerOf(same);
      }
      let callCenter: CallCenter | null = null;
      let signedBy: string | null = null;
      for (const candidate of candidates) {
        for (const pem of candidate.certificates) {
          const key = keyOf(pem);
          if (!key) continue;
          try {
            await jwtVerify(token, key, { algorithms: ['RS256'], currentDate: new Date(now) });
            callCenter = candidate;
            signedBy = pem;
            break;
          } catch (error) {
            if (error instanceof joseErrors.JWSSignatureVerificationFailed) continue;
            if (error instanceof joseErrors.JWTExpired) throw new TokenRefused('The token has expired (exp)');
            if (error instanceof joseErrors.JWTClaimValidationFailed) throw new TokenRefused(`Invalid claim: ${error.message}`);
            throw new TokenRefused('The token could not be verified');
          }
        }
        if (callCenter) break;
      }
      if (callCenter === null || signedBy === null) {
        throw new TokenRefused('The signature does not match any key of the call center');
      }
      if (typeof claims.exp !== 'number') throw new TokenRefused('exp is required');
      if (typeof claims.iat !== 'number') throw new TokenRefused('iat is required');
      if (claims.exp - claims.iat > maxLifetimeSeconds) throw new TokenRefused('exp must be within 24 hours of iat');
      if (claims.iat * 1000 > now + clockSkewSeconds * 1000) throw new TokenRefused('iat is in the future');
      if (claims.aud !== undefined) {
        const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!audiences.includes(callCenter.audience)) throw new TokenRefused(`aud must be ${callCenter.audience}`);
      }
      const expiresAt = claims.exp * 1000;
      if (claims.jti !== undefined) {
        if (typeof claims.jti !== 'string' || claims.jti === '') throw new TokenRefused('jti must be a non-empty string');
        const first = await deps.store.recordTokenId(
          callCenter.id,
          claims.jti,
          new Date(expiresAt).toISOString(),
          new Date(now).toISOString(),
        );
        if (!first) throw new TokenRefused('jti already used');
      } else {
        if (verified.size >= maxCachedTokens) verified.clear();
        verified.set(token, { callCenterId: callCenter.id, pem: signedBy, audience: callCenter.audience, expiresAt });
      }
      return callerOf(callCenter);
    },
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
