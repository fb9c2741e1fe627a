import { randomBytes } from 'node:crypto';
import { normalizeEmail } from '../../core/address.js';
import { AppError, apiError, notFound } from '../../core/errors.js';
import type { Page, PageRequest, Tenant } from '../../core/model.js';
import { checkUser, passwordProblem, type User, type WebSession } from '../../core/users.js';
import type { Store } from '../../store/store.js';
import { type AccessControl, hashSecret, type Principal } from '../access-control.js';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../id-generator.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

type Body = Record<string, unknown>;

const sessionHours = 12;
const invitationDays = 7;
/** Failed sign-ins counted over this window: past the limit, sign-in waits until the oldest leaves it. */
const failureWindowMs = 15 * 60_000;
const failuresPerEmail = 5;
const failuresPerAddress = 20;

/** A session opened: its cookie secret (shown to the browser only), and what it is. */
export interface OpenedSession {
  secret: string;
  session: WebSession;
}

/**
 * The web UI's accounts: users of a tenant (agents, supervisors, administrators) with passwords set by
 * an admin or through an invitation, and the sessions browsers hold as an HttpOnly cookie. A session
 * can also be opened by pasting an API key, an agent token or the admin token; it then lasts as long as
 * that credential. Failed sign-ins are counted per email and per address and refused for a while
 * beyond a few.
 */
export function createAccounts(deps: { store: Store; clock: Clock; newId: IdGenerator; access: AccessControl }) {
  const { store, clock, newId } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();

  /**
   * Refuses a sign-in while its email or address has failed too often lately (429, with when to retry).
   * The failures are in the store, so every node of a cluster counts them all.
   */
  async function checkThrottle(email: string, address: string): Promise<void> {
    const now = Date.now();
    const [emailKey, addressKey] = [`email:${email}`, `address:${address}`];
    const recent = await store.recentSignInFailures([emailKey, addressKey], iso(now - failureWindowMs));
    const byEmail = (recent[emailKey] ?? []).map(Date.parse);
    const byAddress = (recent[addressKey] ?? []).map(Date.parse);
    const blocked = byEmail.length >= failuresPerEmail ? byEmail : byAddress.length >= failuresPerAddress ? byAddress : null;
    if (!blocked) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(((blocked[0] ?? now) + failureWindowMs - now) / 1000));
    throw Object.assign(
      new AppError(apiError('TOO_MANY_SIGN_IN_ATTEMPTS', `Too many failed sign-ins; try again in ${retryAfterSeconds} s.`)),
      { retryAfterSeconds },
    );
  }

  function recordFailure(email: string, address: string): Promise<void> {
    const now = Date.now();
    return store.recordSignInFailure([`email:${email}`, `address:${address}`], iso(now), iso(now - failureWindowMs));
  }

  async function open(session: Omit<WebSession, 'csrfToken' | 'createdAt' | 'expiresAt'>): Promise<OpenedSession> {
    const now = clock.now();
    const secret = randomBytes(32).toString('base64url');
    const opened: WebSession = {
      ...session,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: new Date(Date.parse(now) + sessionHours * 3_600_000).toISOString(),
    };
    await store.createSession(hashSecret(secret), opened);
    return { secret, session: opened };
  }

  function forUser(user: User) {
    return open({ tenantId: user.tenantId, userId: user.id, role: user.role, agentId: user.agentId, credentialHash: null });
  }

  async function agentIdsOf(tenantId: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for (let page: PageRequest = { limit: 200, after: null }; ; ) {
      const { items, nextCursor } = await store.agents.list(tenantId, page);
      for (const agent of items) ids.add(agent.id);
      if (!nextCursor) return ids;
      page = { limit: 200, after: nextCursor };
    }
  }

  async function invite(user: User): Promise<{ token: string; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.parse(clock.now()) + invitationDays * 86_400_000).toISOString();
    await store.createInvitation(hashSecret(token), user.id, expiresAt);
    return { token, expiresAt };
  }

  async function getUser(tenant: Tenant, id: string): Promise<User> {
    const user = await store.getUser(tenant.id, id);
    if (!user) throw notFound('user');
    return user;
  }

  return {
    users: {
      /**
       * Adds a user. With a `password` they can sign in at once; without one, the answer carries an
       * invitation (a token, shown once, valid 7 days) with which they choose it.
       */
      async create(tenant: Tenant, body: Body): Promise<{ user: User; invitation: { token: string; expiresAt: string } | null }> {
        const agents = await agentIdsOf(tenant.id);
        const checked = checkUser(body, (id) => agents.has(id));
        const problem = body.password === undefined ? null : passwordProblem(body.password);
        if (!checked.ok || problem) throw new AppError([...(checked.ok ? [] : checked.errors), ...(problem ? [problem] : [])]);
        const now = clock.now();
        const user: User = {
          id: newId(),
          tenantId: tenant.id,
          ...checked.value,
          passwordSet: false,
          createdAt: now,
          updatedAt: now,
        };
        await store.createUser(user);
        if (typeof body.password === 'string') {
          await store.setUserPassword(user, await hashPassword(body.password));
          return { user: { ...user, passwordSet: true }, invitation: null };
        }
        return { user, invitation: await invite(user) };
      },
      get: getUser,
      list: (tenant: Tenant, page: PageRequest): Promise<Page<User>> => store.listUsers(tenant.id, page),
      async update(tenant: Tenant, id: string, body: Body): Promise<User> {
        const current = await getUser(tenant, id);
        const agents = await agentIdsOf(tenant.id);
        const merged = { ...current, ...body, ...(body.role !== undefined && body.role !== 'agent' ? { agentId: null } : {}) };
        const checked = checkUser(merged, (agentId) => agents.has(agentId));
        const problem = body.password === undefined ? null : passwordProblem(body.password);
        if (!checked.ok || problem) throw new AppError([...(checked.ok ? [] : checked.errors), ...(problem ? [problem] : [])]);
        const user: User = { ...current, ...checked.value, updatedAt: clock.now() };
        if (!(await store.updateUser(user))) throw notFound('user');
        if (typeof body.password !== 'string') return user;
        // A new password signs the user out everywhere.
        await store.setUserPassword(user, await hashPassword(body.password));
        return { ...user, passwordSet: true };
      },
      async remove(tenant: Tenant, id: string): Promise<void> {
        if (!(await store.deleteUser(tenant.id, id))) throw notFound('user');
      },
      /** A new invitation for the user (earlier ones stay valid until used or expired). */
      async invite(tenant: Tenant, id: string): Promise<{ token: string; expiresAt: string }> {
        return invite(await getUser(tenant, id));
      },
    },

    /** Email and password: a session, or INVALID_CREDENTIALS without saying which was wrong. */
    async signIn(body: Body, address: string): Promise<OpenedSession & { user: User }> {
      const email = typeof body.email === 'string' ? (normalizeEmail(body.email) ?? body.email.trim().toLowerCase()) : '';
      const password = typeof body.password === 'string' ? body.password : '';
      if (!email || !password) throw new AppError(apiError('REQUIRED', 'email and password are required.'));
      await checkThrottle(email, address);
      const found = await store.findUserByEmail(email);
      // An unknown email costs as much as a wrong password: the timing tells nothing.
      const matches = await verifyPassword(password.slice(0, 1000), found?.passwordHash ?? (await decoyHash));
      if (!found?.passwordHash || !matches) {
        await recordFailure(email, address);
        throw new AppError(apiError('INVALID_CREDENTIALS', 'The email or the password is wrong.'));
      }
      return { ...(await forUser(found.user)), user: found.user };
    },

    /** A pasted API key, agent token or admin token: a session that acts as it, while it stays valid. */
    async signInWithToken(body: Body, address: string): Promise<OpenedSession> {
      const token = typeof body.token === 'string' ? body.token.trim() : '';
      if (!token) throw new AppError(apiError('REQUIRED', 'token is required.', 'token'));
      await checkThrottle('token', address);
      const principal = await deps.access.authenticate(token);
      if (!principal || principal.kind === 'supervisor') {
        await recordFailure('token', address);
        throw new AppError(apiError('INVALID_CREDENTIALS', 'The token is unknown or revoked.'));
      }
      return open({
        tenantId: principal.kind === 'admin' ? null : principal.tenantId,
        userId: null,
        role: principal.kind === 'admin' ? 'system-admin' : principal.kind === 'agent' ? 'agent' : 'admin',
        agentId: principal.kind === 'agent' ? principal.agentId : null,
        credentialHash: hashSecret(token),
      });
    },

    /** An invitation's token and the password the person chose: set, and signed in. */
    async acceptInvitation(body: Body): Promise<OpenedSession & { user: User }> {
      const problem = passwordProblem(body.password);
      if (problem) throw new AppError(problem);
      const token = typeof body.token === 'string' ? body.token : '';
      const found = token ? await store.takeInvitation(hashSecret(token), clock.now()) : null;
      if (!found) throw new AppError(apiError('INVITATION_INVALID', 'The invitation is unknown, used or expired.', 'token'));
      await store.setUserPassword(found, await hashPassword(body.password as string));
      const user = { ...found, passwordSet: true };
      return { ...(await forUser(user)), user };
    },

    /**
     * The session of a cookie, and who it acts as now: a user as their current role says (a deleted
     * user's session is over), a pasted credential while it is not revoked.
     */
    async resolve(secret: string): Promise<{ session: WebSession; principal: Principal; user: User | null } | null> {
      const session = await store.findSession(hashSecret(secret), clock.now());
      if (!session) return null;
      if (session.credentialHash) {
        const principal = await deps.access.authenticateHash(session.credentialHash);
        return principal ? { session, principal, user: null } : null;
      }
      const user = session.tenantId && session.userId ? await store.getUser(session.tenantId, session.userId) : null;
      if (!user) return null;
      const principal: Principal =
        user.role === 'agent' && user.agentId
          ? { kind: 'agent', tenantId: user.tenantId, agentId: user.agentId }
          : user.role === 'supervisor'
            ? { kind: 'supervisor', tenantId: user.tenantId, userId: user.id }
            : { kind: 'tenant', tenantId: user.tenantId, keyId: `user:${user.id}` };
      return { session: { ...session, role: user.role, agentId: user.agentId }, principal, user };
    },

    async signOut(secret: string): Promise<void> {
      await store.deleteSession(hashSecret(secret), clock.now());
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
