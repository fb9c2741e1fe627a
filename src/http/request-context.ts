import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, apiError, notFound } from '../core/errors.js';
import type { Page, PageRequest, Tenant } from '../core/model.js';
import type { User, WebSession } from '../core/users.js';
import type { Principal } from '../engine/access-control.js';
import type { Engine } from '../engine/engine.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The browser session the request came with, when it authenticated by the session cookie. */
    webSession: { secret: string; session: WebSession; user: User | null } | null;
  }
}

/** The browser's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const sessionCookie = 'sb_session';

export function sessionSecretOf(request: FastifyRequest): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === sessionCookie) return value.join('=') || null;
  }
  return null;
}

/**
 * A browser session's request from another site is refused: anything but a read must carry the
 * session's CSRF token (X-CSRF-Token, which only the UI's own pages can read), and a request that says
 * where it comes from (Origin; always on WebSocket upgrades) must come from this server's origin.
 */
function checkSameOrigin(request: FastifyRequest, session: WebSession): void {
  const origin = request.headers.origin;
  const host = request.headers['x-forwarded-host'] ?? request.headers.host;
  const fromElsewhere = origin !== undefined && (origin === 'null' || new URL(origin).host !== host);
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
  const reads = ['GET', 'HEAD', 'OPTIONS'].includes(request.method) && !upgrade;
  const tokenMissing = !reads && !upgrade && request.headers['x-csrf-token'] !== session.csrfToken;
  if (fromElsewhere || (upgrade && origin === undefined) || tokenMissing) {
    throw new AppError(
      apiError('CSRF_TOKEN_MISMATCH', 'Send the session’s X-CSRF-Token (from GET /auth/session), from this server’s own pages.'),
    );
  }
}

const bearer = /^Bearer\s+(\S+)$/i;

/**
 * Reads the bearer credential; every /v1 request needs one (401 otherwise). WebSocket upgrades may
 * carry it as `access_token` in the query instead, since browsers cannot set headers on them.
 */
export async function authenticate(engine: Engine, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
  const query = upgrade ? (request.query as { access_token?: unknown }).access_token : undefined;
  const token = header ? bearer.exec(header)?.[1] : typeof query === 'string' ? query : undefined;
  const secret = token ? null : sessionSecretOf(request);
  if (secret) {
    // A signed-in browser (the web UI): its session, if it is still open.
    const resolved = await engine.accounts.resolve(secret);
    if (!resolved) throw new AppError(apiError('UNAUTHENTICATED', 'The session is over: sign in again.'));
    checkSameOrigin(request, resolved.session);
    request.webSession = { secret, session: resolved.session, user: resolved.user };
    return resolved.principal;
  }
  if (!token) {
    throw new AppError(apiError('UNAUTHENTICATED', 'Send an API key or the admin token as "Authorization: Bearer <token>".'));
  }
  const principal = await engine.access.authenticate(token);
  if (!principal) throw new AppError(apiError('UNAUTHENTICATED', 'The credential is unknown or revoked.'));
  return principal;
}

/** Only the bootstrap admin may do this. */
export function requireAdmin(request: FastifyRequest): void {
  if (request.principal?.kind !== 'admin') {
    throw new AppError(apiError('FORBIDDEN', 'Only the admin token can do this; tenant API keys cannot.'));
  }
}

/**
 * The tenant of a /v1/tenants/{tenantId}/… request. A key of another tenant gets the same 404 as
 * a tenant that does not exist, so ids never leak across tenants.
 */
export async function tenantOf(engine: Engine, request: FastifyRequest): Promise<Tenant> {
  const { tenantId } = request.params as { tenantId: string };
  const principal = request.principal;
  if (!principal || (principal.kind !== 'admin' && principal.tenantId !== tenantId)) throw notFound('tenant');
  const tenant = await engine.store.getTenant(tenantId);
  if (!tenant) throw notFound('tenant');
  return tenant;
}

export const maxPageSize = 200;
const defaultPageSize = 50;

/**
 * `?limit=&cursor=`: the cursor is the opaque token a previous page returned as `nextCursor`.
 */
export function pageRequest(request: FastifyRequest): PageRequest {
  const query = request.query as { limit?: string; cursor?: string };
  let limit = defaultPageSize;
  if (query.limit !== undefined) {
    if (!/^\d{1,4}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > maxPageSize) {
      throw new AppError(apiError('INVALID_VALUE', `limit must be an integer from 1 to ${maxPageSize}.`, 'limit'));
    }
    limit = Number(query.limit);
  }
  let after: string | null = null;
  if (query.cursor !== undefined) {
    try {
      const decoded = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as { after?: unknown };
      if (typeof decoded.after !== 'string') throw new Error('no position');
      after = decoded.after;
    } catch {
      throw new AppError(apiError('INVALID_CURSOR', 'The cursor is not one this server issued.', 'cursor'));
    }
  }
  return { limit, after };
}

/** `{"result":[…],"nextCursor":…}` */
export function listBody<T>(page: Page<T>) {
  return {
    result: page.items,
    nextCursor: page.nextCursor ? Buffer.from(JSON.stringify({ after: page.nextCursor })).toString('base64url') : null,
  };
}

export function created(reply: FastifyReply, result: unknown) {
  return reply.code(201).send({ result });
}

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/** The request's Idempotency-Key header: null without one; 1 to 255 visible ASCII characters, or 400. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['idempotency-key'];
  const key = typeof header === 'string' ? header : null;
  if (header !== undefined && (key === null || !idempotencyKeyPattern.test(key))) {
    throw new AppError(
      apiError('INVALID_VALUE', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', 'Idempotency-Key'),
    );
  }
  return key;
}

/** 201 with what was created, or 200 marked `idempotent-replayed` for a retry of the same request. */
export function createdOrReplayed(reply: FastifyReply, outcome: { interaction: unknown; replayed: boolean }) {
  if (outcome.replayed) return reply.code(200).header('idempotent-replayed', 'true').send({ result: outcome.interaction });
  return created(reply, outcome.interaction);
}
