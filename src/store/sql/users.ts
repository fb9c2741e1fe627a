import type { Page, PageRequest } from '../../core/model.js';
import type { User, WebSession } from '../../core/users.js';
import { type Db, paged, parse, type Row } from './documents.js';

/**
 * SQL of the users aggregate (tables users, user_invitations, web_sessions): the web UI's people, their
 * password hashes (never in the document), the invitations that let them set one, and the sessions of
 * their browsers, each found by the hash of its secret.
 */

export async function insertUser(db: Db, user: User): Promise<void> {
  await db
    .insertInto('users')
    .values({ id: user.id, tenant_id: user.tenantId, email: user.email, password_hash: null, doc: JSON.stringify(user) })
    .execute();
}

export async function getUser(db: Db, tenantId: string, id: string): Promise<User | null> {
  const row = await db
    .selectFrom('users')
    .select('doc')
    .where('id', '=', id)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return parse<User>(row);
}

export function listUsers(db: Db, tenantId: string, page: PageRequest): Promise<Page<User>> {
  return paged<User>(db.selectFrom('users').select(['id', 'doc']).where('tenant_id', '=', tenantId), page);
}

export async function updateUser(db: Db, user: User): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ email: user.email, doc: JSON.stringify(user) })
    .where('id', '=', user.id)
    .where('tenant_id', '=', user.tenantId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes the user with their invitations and sessions (signed out everywhere). */
export async function deleteUser(db: Db, tenantId: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('users').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await trx.deleteFrom('user_invitations').where('user_id', '=', id).execute();
    await trx.deleteFrom('web_sessions').where('user_id', '=', id).execute();
    return true;
  });
}

export async function findUserByEmail(db: Db, email: string): Promise<{ user: User; passwordHash: string | null } | null> {
  const row = (await db.selectFrom('users').select(['doc', 'password_hash']).where('email', '=', email).executeTakeFirst()) as
    | Row
    | undefined;
  const user = parse<User>(row);
  return user ? { user, passwordHash: row?.password_hash ? String(row.password_hash) : null } : null;
}

/** Sets the password hash (and `passwordSet` in the document); the user's other sessions end. */
export async function setUserPassword(db: Db, user: User, passwordHash: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, doc: JSON.stringify({ ...user, passwordSet: true }) })
      .where('id', '=', user.id)
      .execute();
    await trx.deleteFrom('web_sessions').where('user_id', '=', user.id).execute();
  });
}

export async function insertInvitation(db: Db, tokenHash: string, userId: string, expiresAt: string): Promise<void> {
  await db.insertInto('user_invitations').values({ token_hash: tokenHash, user_id: userId, expires_at: expiresAt }).execute();
}

/** Takes an invitation once: the user it is for, unless it is unknown, used or expired. */
export async function takeInvitation(db: Db, tokenHash: string, now: string): Promise<User | null> {
  return db.transaction().execute(async (trx) => {
    const row = (await trx
      .selectFrom('user_invitations')
      .select(['user_id', 'expires_at'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()) as Row | undefined;
    if (!row) return null;
    await trx.deleteFrom('user_invitations').where('token_hash', '=', tokenHash).execute();
    if (String(row.expires_at) <= now) return null;
    return parse<User>(await trx.selectFrom('users').select('doc').where('id', '=', String(row.user_id)).executeTakeFirst());
  });
}

export async function insertSession(db: Db, idHash: string, session: WebSession): Promise<void> {
  await db
    .insertInto('web_sessions')
    .values({ id_hash: idHash, user_id: session.userId, expires_at: session.expiresAt, doc: JSON.stringify(session) })
    .execute();
}

export async function findSession(db: Db, idHash: string, now: string): Promise<WebSession | null> {
  const row = await db
    .selectFrom('web_sessions')
    .select('doc')
    .where('id_hash', '=', idHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return parse<WebSession>(row);
}

/** Ends a session (signing out); expired ones go with it. */
export async function deleteSession(db: Db, idHash: string, now: string): Promise<void> {
  await db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
  await db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
}

/** The times (ascending) of each key's failed sign-ins since the given time. */
export async function recentSignInFailures(db: Db, keys: readonly string[], since: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = Object.fromEntries(keys.map((key) => [key, []]));
  if (keys.length === 0) return found;
  const rows = await db
    .selectFrom('sign_in_failures')
    .select(['failure_key', 'at'])
    .where('failure_key', 'in', [...keys])
    .where('at', '>', since)
    .orderBy('at')
    .execute();
  for (const row of rows) found[String(row.failure_key)]?.push(String(row.at));
  return found;
}

/** Counts a failed sign-in under each key, and forgets failures older than `forgetBefore`. */
export async function recordSignInFailure(db: Db, keys: readonly string[], at: string, forgetBefore: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('sign_in_failures').where('at', '<=', forgetBefore).execute();
    if (keys.length > 0) {
      await trx
        .insertInto('sign_in_failures')
        .values(keys.map((key) => ({ failure_key: key, at })))
        .execute();
    }
  });
}
