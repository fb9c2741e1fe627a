import { normalizeEmail } from './address.js';
import { type ApiError, apiError } from './errors.js';

/**
 * The people who sign in to the web UI: agents (the agent desktop), supervisors (the wallboard, reading
 * the tenant) and administrators (the console, changing it). A user belongs to one tenant; an agent user
 * is the person behind one agent record.
 */
export const userRoles = ['agent', 'supervisor', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

export interface User {
  id: string;
  tenantId: string;
  /** Lower-case; one user per email across tenants: the email alone says where a person signs in. */
  email: string;
  name: string;
  role: UserRole;
  /** For an agent user: the agent they are. */
  agentId: string | null;
  /** Whether a password is set (the hash is stored apart and never shown). */
  passwordSet: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A signed-in browser: who it acts as, and the token its unsafe requests must echo (CSRF). */
export interface WebSession {
  tenantId: string | null;
  /** The user signed in with a password; null for a session opened with a pasted key or token. */
  userId: string | null;
  role: UserRole | 'system-admin';
  agentId: string | null;
  /** A session opened with a pasted credential ends when that credential is revoked. */
  credentialHash: string | null;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export const passwordLimits = { min: 10, max: 200 } as const;

/** A password a person chose: long enough to resist guessing, short enough to hash cheaply. */
export function passwordProblem(password: unknown, field = 'password'): ApiError | null {
  if (typeof password !== 'string') return apiError('REQUIRED', `${field} is required.`, field);
  if (password.length < passwordLimits.min || password.length > passwordLimits.max) {
    return apiError('INVALID_VALUE', `${field} must be ${passwordLimits.min} to ${passwordLimits.max} characters long.`, field);
  }
  return null;
}

export type UserFields = Pick<User, 'email' | 'name' | 'role' | 'agentId'>;

/** A user as it will be stored: every problem at once. `agentExists` checks the agent of an agent user. */
export function checkUser(
  input: { email?: unknown; name?: unknown; role?: unknown; agentId?: unknown },
  agentExists: (id: string) => boolean,
): { ok: true; value: UserFields } | { ok: false; errors: ApiError[] } {
  const errors: ApiError[] = [];
  const email = typeof input.email === 'string' ? normalizeEmail(input.email) : null;
  if (!email) errors.push(apiError(input.email ? 'INVALID_EMAIL' : 'REQUIRED', 'email must be an email address.', 'email'));
  const name = typeof input.name === 'string' && input.name.trim() !== '' ? input.name.trim() : (email ?? '');
  const role = input.role as UserRole;
  if (!userRoles.includes(role)) errors.push(apiError('INVALID_ENUM', 'role must be agent, supervisor or admin.', 'role'));
  const agentId = typeof input.agentId === 'string' && input.agentId !== '' ? input.agentId : null;
  if (role === 'agent' && !agentId) errors.push(apiError('REQUIRED', 'An agent user names its agent: agentId.', 'agentId'));
  if (role !== 'agent' && agentId) errors.push(apiError('INVALID_VALUE', 'Only an agent user has an agentId.', 'agentId'));
  if (agentId && !agentExists(agentId))
    errors.push(apiError('AGENT_NOT_FOUND', 'No agent with this id in the tenant.', 'agentId'));
  if (errors.length > 0 || !email) return { ok: false, errors };
  return { ok: true, value: { email, name, role, agentId } };
}
