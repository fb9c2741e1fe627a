/** The browser's session, as GET /auth/session tells it. */
export interface Session {
  role: 'agent' | 'supervisor' | 'admin' | 'system-admin';
  tenantId: string | null;
  agentId: string | null;
  user: { id: string; email: string; name: string } | null;
  csrfToken: string;
  expiresAt: string;
}

/** An error of the API, as it is documented: the first error's code, and every error with its field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: { code: string; field?: string; message: string }[] = [],
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/**
 * A request to the API with the session cookie. Changes carry the session's CSRF token (kept in memory,
 * never in storage); errors come back as ApiError with the API's code and message.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const first = json?.errors?.[0] ?? { code: 'HTTP_ERROR', message: `The server answered ${response.status}.` };
    throw new ApiError(response.status, first.code, first.message, json?.errors ?? [first]);
  }
  return json as T;
}

export async function currentSession(): Promise<Session | null> {
  try {
    const { result } = await api<{ result: Session }>('GET', '/auth/session');
    csrfToken = result.csrfToken;
    return result;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(path: string, body: Record<string, string>): Promise<Session> {
  const { result } = await api<{ result: Session }>('POST', path, body);
  csrfToken = result.csrfToken;
  return result;
}

export async function signOut(): Promise<void> {
  await api('POST', '/auth/sign-out');
  csrfToken = null;
}
