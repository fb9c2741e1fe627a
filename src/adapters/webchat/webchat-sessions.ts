import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

// Web chat customer sessions: a token the customer's browser holds, signed with the channel's session
// key (a credential web chat makes itself). It names the tenant, the widget (entry point) and the
// session, which is the customer's id on the channel: a customer can only ever reach their own.

export interface Session {
  tenantId: string;
  widgetId: string;
  sessionId: string;
  name: string | null;
  expiresAt: number;
}

/** How long a session token is good for. */
export const sessionHours = 24;

export function newSessionKey(): string {
  return randomBytes(32).toString('base64url');
}

function sign(payload: string, key: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function issueSession(key: string, fields: { tenantId: string; widgetId: string; name: string | null }, now: number) {
  const session: Session = { ...fields, sessionId: `wc_${randomUUID()}`, expiresAt: now + sessionHours * 3_600_000 };
  const payload = Buffer.from(JSON.stringify(session)).toString('base64url');
  return { session, token: `${payload}.${sign(payload, key)}` };
}

/** The session a token stands for, or null when it is forged, of another widget, or expired. */
export function readSession(
  token: string,
  key: string,
  expected: { tenantId: string; widgetId: string },
  now: number,
): Session | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 2000) return null;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(sign(payload, key));
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return null;
  let session: Session;
  try {
    session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Session;
  } catch {
    return null;
  }
  if (session.tenantId !== expected.tenantId || session.widgetId !== expected.widgetId || session.expiresAt <= now) return null;
  return session;
}

/**
 * A fixed-window limit per key (an IP address, a widget): at most `limit` in each `windowMs`. In
 * memory: a restart forgets it, which only lets a few more sessions be opened.
 */
export function createRateLimit(limit: number, windowMs: number) {
  const windows = new Map<string, { start: number; count: number }>();
  return (key: string, now: number): boolean => {
    const current = windows.get(key);
    if (!current || now - current.start >= windowMs) {
      if (windows.size > 100_000) windows.clear();
      windows.set(key, { start: now, count: 1 });
      return true;
    }
    current.count += 1;
    return current.count <= limit;
  };
}
