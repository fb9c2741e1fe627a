import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What the HTTP layer needs of this node's place in a cluster (src/cluster/). */
export interface ClusterRouting {
  nodeId: string;
  /** Where the tenant's requests run: here, or on the owner at its URL. */
  route(tenantId: string): Promise<'local' | { nodeId: string; url: string }>;
  /** Signs a request this node forwards. */
  sign(method: string, url: string): string;
  /** The forwarding node's id when a forwarded request's signature is good; else null. */
  verify(header: string, method: string, url: string): string | null;
  describe(): Promise<unknown>;
  /** False once the node is leaving (SIGTERM): a load balancer sends it nothing more. */
  serving(): boolean;
  /** How long the owner has to start answering a forwarded request (a lease: past it, it may be gone). */
  forwardTimeoutMs: number;
}

/** The header a node signs the requests it forwards with: `<node id>:<unix seconds>:<hex HMAC-SHA256>`. */
export const nodeAuthHeader = 'switchboard-node-auth';
/** How far a forwarded request's signature time may be from the receiving node's clock. */
const signatureSkewSeconds = 60;

/**
 * The tenant a request belongs to, read from where each API names it: the tenant routes
 * (`/v1/tenants/{id}/…`), the provider webhooks and the web chat (`/providers/{provider}/{id}/…`,
 * `/webchat/{id}/…`), and the telephony API, whose bearer token's audience is `switchboard:{id}` (read
 * unverified here: the owner verifies it). Null for routes of no tenant (tenants, sign-in, health).
 */
export function tenantOfRequest(url: string, headers: http.IncomingHttpHeaders): string | null {
  const path = url.split('?')[0] ?? '';
  const named =
    /^\/v1\/tenants\/([^/]+)/.exec(path) ?? /^\/providers\/[^/]+\/([^/]+)\//.exec(path) ?? /^\/webchat\/([^/]+)\//.exec(path);
  if (named?.[1]) return decodeURIComponent(named[1]);
  if (path.startsWith('/telephony/v1/')) {
    const token = /^Bearer\s+([^.\s]+)\.([^.\s]+)\./i.exec(headers.authorization ?? '')?.[2];
    if (!token) return null;
    try {
      const claims = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { aud?: unknown };
      const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
      return typeof audience === 'string' && audience.startsWith('switchboard:') ? audience.slice('switchboard:'.length) : null;
    } catch {
      return null;
    }
  }
  return null;
}

function mac(secret: string, nodeId: string, at: number, method: string, url: string): string {
  return createHmac('sha256', secret).update(`${nodeId}:${at}:${method}:${url}`).digest('hex');
}

/** The signature a node puts on a request it forwards. */
export function signForward(secret: string, nodeId: string, method: string, url: string, nowMs = Date.now()): string {
  const at = Math.floor(nowMs / 1000);
  return `${nodeId}:${at}:${mac(secret, nodeId, at, method, url)}`;
}

/** The forwarding node's id when the signature is good (right secret, this method and URL, a fresh time); else null. */
export function verifyForward(secret: string, header: string, method: string, url: string, nowMs = Date.now()): string | null {
  const [nodeId, at, signature] = header.split(':');
  const seconds = Number(at);
  if (!nodeId || !signature || !Number.isInteger(seconds)) return null;
  if (Math.abs(nowMs / 1000 - seconds) > signatureSkewSeconds) return null;
  const expected = Buffer.from(mac(secret, nodeId, seconds, method, url), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? nodeId : null;
}

/** Headers of one hop only: never passed on. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** An answer's status line and headers as they were sent, for a client socket the relay writes to itself. */
function responseHead(answer: http.IncomingMessage): string {
  const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}`];
  for (let i = 0; i < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function upstreamHeaders(request: FastifyRequest, signature: string, keepUpgrade: boolean): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || (hopByHop.has(name) && !(keepUpgrade && (name === 'upgrade' || name === 'connection')))) continue;
    headers[name] = value;
  }
  // The Host stays the client's: the owner checks a browser's Origin against it.
  headers[nodeAuthHeader] = signature;
  const client = request.raw.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = request.headers['x-forwarded-for'] ? `${request.headers['x-forwarded-for']}, ${client}` : client;
  return headers;
}

/**
 * Executes the request on the owner and answers with its answer, as is: the body streams through both
 * ways (the owner applies the limits). A WebSocket upgrade is relayed byte for byte once the owner
 * accepts it; when either side closes, both do (a client whose tenant moved reconnects and is relayed to
 * the new owner).
 */
export function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  ownerUrl: string,
  signature: string,
  timeoutMs: number,
): void {
  reply.hijack();
  const target = new URL(ownerUrl);
  const upgrade = request.headers.upgrade !== undefined;
  const upstream = http.request({
    host: target.hostname,
    port: target.port,
    method: request.method,
    path: request.url,
    headers: upstreamHeaders(request, signature, upgrade),
    ...(upgrade ? {} : { agent }),
  });
  const client = request.raw.socket as Socket;
  const fail = () => {
    if (upgrade) {
      client.destroy();
      return;
    }
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      reply.raw.end(
        JSON.stringify({
          errors: [{ code: 'TENANT_MOVED', message: 'The node holding the tenant did not answer; retry, it is being replaced.' }],
        }),
      );
    } else reply.raw.destroy();
  };
  upstream.on('error', fail);
  // An owner that does not answer in time (paused, cut off) is given up on: the caller retries, and the
  // request reaches whoever holds the tenant by then.
  const patience = setTimeout(() => upstream.destroy(new Error('the owner did not answer in time')), timeoutMs);
  upstream.on('close', () => clearTimeout(patience));
  upstream.on('response', (answer) => {
    clearTimeout(patience);
    if (upgrade) {
      // The owner refused the upgrade (401, 403…): its answer, then the connection ends.
      client.write(responseHead(answer));
      answer.pipe(client);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
    reply.raw.writeHead(answer.statusCode ?? 502, headers);
    answer.pipe(reply.raw);
  });
  upstream.on('upgrade', (answer, socket, head) => {
    clearTimeout(patience);
    client.write(responseHead(answer));
    if (head.length > 0) client.write(head);
    socket.pipe(client);
    client.pipe(socket);
    const close = () => {
      socket.destroy();
      client.destroy();
    };
    socket.on('close', close).on('error', close);
    client.on('close', close).on('error', close);
  });
  if (upgrade) upstream.end();
  else request.raw.pipe(upstream);
}
