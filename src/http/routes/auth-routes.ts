import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, apiError } from '../../core/errors.js';
import type { OpenedSession } from '../../engine/accounts/accounts.js';
import type { Engine } from '../../engine/engine.js';
import { sessionCookie } from '../request-context.js';
import { invitationAccept, signIn, tokenSignIn } from '../schemas.js';

type Body = Record<string, unknown>;

/** Whether the browser reached the server over HTTPS (directly, or through a proxy that says so). */
function secure(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const attributes = [`${sessionCookie}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (secure(request)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/** What a page learns of its session: who, as what, and the token its changes must carry. */
function sessionBody(opened: Pick<OpenedSession, 'session'>, user: { id: string; email: string; name: string } | null) {
  const { session } = opened;
  return {
    result: {
      role: session.role,
      tenantId: session.tenantId,
      agentId: session.agentId,
      user: user ? { id: user.id, email: user.email, name: user.name } : null,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    },
  };
}

/**
 * Signing in to the web UI: with an email and a password, an invitation, or a pasted credential. The
 * answer sets the session cookie; the page keeps the CSRF token it is given (in memory, not in
 * storage). Refused sign-ins are counted, and refused for a while beyond a few (429 with Retry-After).
 */
export function registerAuthRoutes(app: FastifyInstance, engine: Engine): void {
  const tags = ['web sessions'];
  const accounts = engine.accounts;

  async function opening(
    request: FastifyRequest,
    reply: FastifyReply,
    open: () => Promise<OpenedSession & { user?: { id: string; email: string; name: string } }>,
  ) {
    try {
      const opened = await open();
      const { createdAt, expiresAt } = opened.session;
      setCookie(request, reply, opened.secret, Math.floor((Date.parse(expiresAt) - Date.parse(createdAt)) / 1000));
      return sessionBody(opened, opened.user ?? null);
    } catch (error) {
      const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      throw error;
    }
  }

  app.post(
    '/auth/sign-in',
    { schema: { tags, summary: 'Sign in with an email and a password', body: signIn } },
    (request, reply) => opening(request, reply, () => accounts.signIn(request.body as Body, request.ip)),
  );
  app.post(
    '/auth/sign-in/token',
    { schema: { tags, summary: 'Sign in with an API key, an agent token or the admin token', body: tokenSignIn } },
    (request, reply) => opening(request, reply, () => accounts.signInWithToken(request.body as Body, request.ip)),
  );
  app.post(
    '/auth/invitations/accept',
    { schema: { tags, summary: "Choose a password with an invitation's token, and sign in", body: invitationAccept } },
    (request, reply) => opening(request, reply, () => accounts.acceptInvitation(request.body as Body)),
  );
  app.get(
    '/auth/session',
    { schema: { tags, summary: "The browser's session: who, as what, and its CSRF token" } },
    async (request) => {
      const web = request.webSession;
      if (!web) throw new AppError(apiError('UNAUTHENTICATED', 'No browser session: sign in at /auth/sign-in.'));
      return sessionBody(web, web.user);
    },
  );
  app.post('/auth/sign-out', { schema: { tags, summary: 'Sign out: the session ends here and now' } }, async (request, reply) => {
    const web = request.webSession;
    if (!web) throw new AppError(apiError('UNAUTHENTICATED', 'No browser session to end.'));
    await accounts.signOut(web.secret);
    setCookie(request, reply, '', 0);
    return reply.code(204).send();
  });
}
