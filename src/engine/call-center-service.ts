import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { jwtVerify } from 'jose';
import { type ApiError, AppError, apiError, notFound } from '../core/errors.js';
import type { CallCenter, Page, PageRequest, RoutingMap, Tenant } from '../core/model.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { IdGenerator } from './id-generator.js';

type Body = Record<string, unknown>;

/** The audience Service Cloud Voice's token samples name; a token's `aud`, when present, must match. */
export const defaultAudience = 'https://scrt.salesforce.com';

const apiNamePattern = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const orgIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The RSA public key in a PEM certificate or public key, or why it cannot verify tokens. A private
 * key is refused rather than reduced to its public half: it must never be handed to the server.
 */
export function publicKeyOf(pem: string): { ok: true; key: KeyObject } | { ok: false; message: string } {
  if (/PRIVATE KEY/.test(pem)) return { ok: false, message: 'is a private key; register the certificate or public key only' };
  let key: KeyObject;
  try {
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
  } catch {
    return { ok: false, message: 'is not a PEM X.509 certificate or public key' };
  }
  if (key.asymmetricKeyType !== 'rsa') return { ok: false, message: 'is not an RSA key (tokens are signed with RS256)' };
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) return { ok: false, message: `is a ${bits}-bit RSA key; at least 1024 bits are needed` };
  return { ok: true, key };
}

/** The audience of a proof token: the tenant that registers the key. */
export const proofAudience = (tenantId: string) => `switchboard:${tenantId}`;

/** A key in one comparable form, whether it came as a certificate or a public key. */
function fingerprint(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function checkCallCenter(body: Body, errors: ApiError[]) {
  const apiName = text(body.apiName);
  if (!apiName) errors.push(apiError('REQUIRED', 'apiName is required (the `sub` of the provider’s tokens).', 'apiName'));
  else if (!apiNamePattern.test(apiName)) {
    errors.push(apiError('INVALID_VALUE', 'apiName starts with a letter and has letters, digits and _ (at most 80).', 'apiName'));
  }
  const orgId = text(body.orgId);
  if (!orgId) errors.push(apiError('REQUIRED', 'orgId is required (the `iss` of the provider’s tokens).', 'orgId'));
  else if (!orgIdPattern.test(orgId)) errors.push(apiError('INVALID_VALUE', 'orgId has letters, digits, _ and - only.', 'orgId'));
  const certificates = Array.isArray(body.certificates) ? (body.certificates as unknown[]) : [];
  if (certificates.length === 0) {
    errors.push(apiError('REQUIRED', 'At least one certificate or public key (PEM) is required.', 'certificates'));
  }
  certificates.forEach((pem, index) => {
    const checked = typeof pem === 'string' ? publicKeyOf(pem) : { ok: false as const, message: 'is not a string' };
    if (!checked.ok)
      errors.push(apiError('INVALID_CERTIFICATE', `Certificate ${index} ${checked.message}.`, `certificates/${index}`));
  });
  let audience = defaultAudience;
  if (body.audience !== undefined) {
    const given = text(body.audience);
    if (!given) errors.push(apiError('INVALID_VALUE', 'audience cannot be blank.', 'audience'));
    else audience = given;
  }
  return {
    name: text(body.name) ?? apiName ?? '',
    apiName: apiName ?? '',
    orgId: orgId ?? '',
    audience,
    certificates: certificates.map((pem) => String(pem).trim()),
  };
}

/**
 * Call centers (the binding of a telephony provider's JWT issuer to a tenant) and their routing maps
 * (our agents and queues ↔ the provider's ids), administered with tenant API keys.
 */
export function createCallCenterService(deps: { store: Store; clock: Clock; newId: IdGenerator }) {
  const { store, clock, newId } = deps;

  async function get(tenant: Tenant, id: string): Promise<CallCenter> {
    const callCenter = await store.callCenters.get(tenant.id, id);
    if (!callCenter) throw notFound('call center');
    return callCenter;
  }

  /** The agent (by id, email or employee id) or queue (by id or devName) a routing map refers to. */
  async function reference(
    tenant: Tenant,
    type: unknown,
    ref: unknown,
    errors: ApiError[],
  ): Promise<{ type: RoutingMap['referenceType']; id: string; defaultName: string; label: string } | null> {
    if (type !== 'user' && type !== 'queue') {
      errors.push(apiError('INVALID_ENUM', 'referenceType is user or queue.', 'referenceType'));
      return null;
    }
    const given = text(ref);
    if (!given) {
      errors.push(apiError('REQUIRED', 'referenceId is required: an agent (user) or queue of the tenant.', 'referenceId'));
      return null;
    }
    if (type === 'user') {
      const agent = await store.findAgent(tenant.id, given);
      if (!agent) errors.push(apiError('AGENT_NOT_FOUND', `No agent "${given}" in the tenant.`, 'referenceId'));
      return agent ? { type, id: agent.id, defaultName: agent.id, label: agent.name } : null;
    }
    const queue = await store.findQueue(tenant.id, given);
    if (!queue) errors.push(apiError('QUEUE_NOT_FOUND', `No queue "${given}" in the tenant.`, 'referenceId'));
    return queue ? { type, id: queue.id, defaultName: queue.devName, label: queue.name } : null;
  }

  /**
   * A call center's issuer pair (orgId, apiName) may be registered by several tenants; a token goes
   * to the one whose key signed it. So a tenant may add a key only by proving it holds its private
   * key — a token the key signs with `iss` the orgId, `sub` the apiName and `aud` switchboard:<tenant
   * id> — and a key already registered for the pair elsewhere is refused (to whoever proved they hold
   * it). A tenant can thus neither claim another's calls nor learn or block its registration.
   */
  async function checkKeys(
    tenant: Tenant,
    callCenterId: string,
    fields: { orgId: string; apiName: string; certificates: string[] },
    proven: string[],
    proofs: unknown,
    errors: ApiError[],
  ): Promise<void> {
    const tokens = Array.isArray(proofs) ? proofs.filter((p): p is string => typeof p === 'string') : [];
    const others = (await store.findCallCentersByIssuer(fields.orgId, fields.apiName)).filter((c) => c.id !== callCenterId);
    const taken = new Set(
      others.flatMap((c) =>
        c.certificates.flatMap((pem) => {
          const checked = publicKeyOf(pem);
          return checked.ok ? [fingerprint(checked.key)] : [];
        }),
      ),
    );
    for (const [index, pem] of fields.certificates.entries()) {
      if (proven.includes(pem)) continue;
      const checked = publicKeyOf(pem);
      if (!checked.ok) continue;
      let holds = false;
      for (const token of tokens) {
        try {
          await jwtVerify(token, checked.key, {
            algorithms: ['RS256'],
            issuer: fields.orgId,
            subject: fields.apiName,
            audience: proofAudience(tenant.id),
            requiredClaims: ['exp'],
            currentDate: new Date(clock.now()),
          });
          holds = true;
          break;
        } catch {
          // Another proof may be this key's.
        }
      }
      const field = `certificates/${index}`;
      if (!holds) {
        errors.push(
          apiError(
            'CERTIFICATE_PROOF_REQUIRED',
            `Certificate ${index} needs a proof in proofs: a token its private key signs (RS256) with iss "${fields.orgId}", sub "${fields.apiName}", aud "${proofAudience(tenant.id)}" and exp.`,
            field,
          ),
        );
      } else if (taken.has(fingerprint(checked.key))) {
        errors.push(
          apiError(
            'CERTIFICATE_IN_USE',
            `Certificate ${index} is registered for this orgId and apiName by another call center.`,
            field,
          ),
        );
      }
    }
  }

  const callCenters = {
    get,
    list: (tenant: Tenant, page: PageRequest) => store.callCenters.list(tenant.id, page),
    async create(tenant: Tenant, body: Body): Promise<CallCenter> {
      const errors: ApiError[] = [];
      const fields = checkCallCenter(body, errors);
      const id = newId();
      if (errors.length === 0) await checkKeys(tenant, id, fields, [], body.proofs, errors);
      if (errors.length > 0) throw new AppError(errors);
      const now = clock.now();
      const callCenter: CallCenter = { id, tenantId: tenant.id, ...fields, createdAt: now, updatedAt: now };
      await store.callCenters.insert(callCenter);
      return callCenter;
    },
    /** Certificates are replaced as a list: add the new one, later remove the old (key rotation). */
    async update(tenant: Tenant, id: string, body: Body): Promise<CallCenter> {
      const current = await get(tenant, id);
      const errors: ApiError[] = [];
      const fields = checkCallCenter({ ...current, ...body }, errors);
      // Keys proven for this issuer pair stay proven; a new pair needs every key proven again.
      const samePair = fields.orgId === current.orgId && fields.apiName === current.apiName;
      if (errors.length === 0)
        await checkKeys(tenant, current.id, fields, samePair ? current.certificates : [], body.proofs, errors);
      if (errors.length > 0) throw new AppError(errors);
      const callCenter: CallCenter = { ...current, ...fields, updatedAt: clock.now() };
      if (!(await store.callCenters.update(callCenter))) throw notFound('call center');
      return callCenter;
    },
    async remove(tenant: Tenant, id: string): Promise<void> {
      if (!(await store.callCenters.remove(tenant.id, id))) throw notFound('call center');
    },
  };

  const routingMaps = {
    async list(tenant: Tenant, callCenterId: string, page: PageRequest): Promise<Page<RoutingMap>> {
      await get(tenant, callCenterId);
      return store.listRoutingMaps(tenant.id, callCenterId, page);
    },
    async get(tenant: Tenant, callCenterId: string, id: string): Promise<RoutingMap> {
      const map = await store.routingMaps.get(tenant.id, id);
      if (!map || map.callCenterId !== callCenterId) throw notFound('routing map');
      return map;
    },
    async create(tenant: Tenant, callCenterId: string, body: Body): Promise<RoutingMap> {
      const callCenter = await get(tenant, callCenterId);
      const errors: ApiError[] = [];
      const target = await reference(tenant, body.referenceType, body.referenceId, errors);
      const externalId = text(body.externalId);
      if (!externalId)
        errors.push(apiError('REQUIRED', 'externalId is required: the provider’s id of the agent or queue.', 'externalId'));
      if (!target || !externalId || errors.length > 0) throw new AppError(errors);
      const now = clock.now();
      const map: RoutingMap = {
        id: newId(),
        tenantId: tenant.id,
        callCenterId: callCenter.id,
        referenceType: target.type,
        referenceId: target.id,
        externalId,
        // Service Cloud Voice's default: <user id>_<call center id> or <queue name>_<call center id>.
        developerName: text(body.developerName) ?? `${target.defaultName}_${callCenter.id}`,
        masterLabel: text(body.masterLabel) ?? target.label,
        quickConnect: text(body.quickConnect),
        createdAt: now,
        updatedAt: now,
      };
      await store.routingMaps.insert(map);
      return map;
    },
    async update(tenant: Tenant, callCenterId: string, id: string, body: Body): Promise<RoutingMap> {
      const current = await routingMaps.get(tenant, callCenterId, id);
      const errors: ApiError[] = [];
      const changesTarget = body.referenceType !== undefined || body.referenceId !== undefined;
      const target = changesTarget
        ? await reference(tenant, body.referenceType ?? current.referenceType, body.referenceId ?? current.referenceId, errors)
        : null;
      const externalId = body.externalId === undefined ? current.externalId : text(body.externalId);
      if (!externalId) errors.push(apiError('REQUIRED', 'externalId cannot be blank.', 'externalId'));
      if (!externalId || errors.length > 0) throw new AppError(errors);
      const map: RoutingMap = {
        ...current,
        ...(target ? { referenceType: target.type, referenceId: target.id } : {}),
        externalId,
        developerName:
          body.developerName === undefined ? current.developerName : (text(body.developerName) ?? current.developerName),
        masterLabel: body.masterLabel === undefined ? current.masterLabel : text(body.masterLabel),
        quickConnect: body.quickConnect === undefined ? current.quickConnect : text(body.quickConnect),
        updatedAt: clock.now(),
      };
      if (!(await store.routingMaps.update(map))) throw notFound('routing map');
      return map;
    },
    async remove(tenant: Tenant, callCenterId: string, id: string): Promise<void> {
      await routingMaps.get(tenant, callCenterId, id);
      if (!(await store.routingMaps.remove(tenant.id, id))) throw notFound('routing map');
    },
  };

  return { callCenters, routingMaps };
}

export type CallCenterService = ReturnType<typeof createCallCenterService>;
