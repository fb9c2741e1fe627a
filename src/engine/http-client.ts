import { lookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { jsonDepth, jsonLimits } from '../core/json-limits.js';
import { isInternalAddress } from './internal-address.js';

/** What a flow's httpRequest step sends. */
export interface OutboundRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Text is sent as UTF-8; bytes (a gzipped body) as they are. */
  body: string | Buffer | null;
  timeoutMs: number;
  /** Whether loopback, private, link-local and other internal addresses may be called. */
  allowPrivateNetwork: boolean;
}

export type OutboundResult =
  | { ok: true; status: number; headers: Record<string, string>; body: unknown }
  | { ok: false; reason: 'timeout' | 'refused' | 'network'; message: string };

/** Performs the HTTP calls of flows. */
export type HttpClient = (request: OutboundRequest) => Promise<OutboundResult>;

/** Retry-After as milliseconds (seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const maxResponseBytes = 1024 * 1024;

const agents = {
  http: { guarded: new http.Agent({ keepAlive: true }), open: new http.Agent({ keepAlive: true }) },
  https: { guarded: new https.Agent({ keepAlive: true }), open: new https.Agent({ keepAlive: true }) },
};

/**
 * The HTTP client of flows over node:http(s). The host name is resolved once and the connection goes
 * to the address that was checked, so DNS rebinding cannot slip an internal address past the guard.
 * JSON answers are parsed; others are kept as text; bodies over 1 MiB are refused.
 */
export const nodeHttpClient: HttpClient = (request) =>
  new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({ ok: false, reason: 'refused', message: `"${request.url}" is not a URL.` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      resolve({ ok: false, reason: 'refused', message: `Only http and https URLs can be called, not ${url.protocol}` });
      return;
    }
    let refusal: string | null = null;
    const guardedLookup: typeof lookup = ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
      lookup(hostname, { ...options, all: false }, (error, address, family) => {
        if (error) return callback(error);
        if (!request.allowPrivateNetwork && isInternalAddress(String(address))) {
          refusal = `${hostname} resolves to ${address}, an internal address; the tenant does not allow flows to call those.`;
          return callback(new Error(refusal));
        }
        // Node 20 asks with all:true for autoSelectFamily; answer in the shape asked for.
        if ((options as { all?: boolean }).all) return callback(null, [{ address, family }]);
        callback(null, address, family);
      });
    }) as typeof lookup;
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !request.allowPrivateNetwork && isInternalAddress(literal)) {
      resolve({
        ok: false,
        reason: 'refused',
        message: `${literal} is an internal address; the tenant does not allow flows to call those.`,
      });
      return;
    }
    const transport = url.protocol === 'https:' ? https : http;
    const outgoing = transport.request(
      url,
      {
        method: request.method,
        headers: { 'user-agent': 'Switchboard-Flow/1', ...request.headers },
        lookup: guardedLookup,
        timeout: request.timeoutMs,
        // Kept-alive connections are pooled apart: a socket a tenant allowed to reach an internal
        // address is never handed to a request of a tenant that is not.
        agent: agents[url.protocol === 'https:' ? 'https' : 'http'][request.allowPrivateNetwork ? 'open' : 'guarded'],
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            outgoing.destroy();
            resolve({ ok: false, reason: 'network', message: 'The answer is larger than 1 MiB.' });
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const type = String(response.headers['content-type'] ?? '');
          let body: unknown = text;
          if (/json/i.test(type) && text !== '') {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
            // The answer may be kept in the flow run: bounded like a request body (core/json-limits.ts).
            if (jsonDepth(body, jsonLimits.maxBodyDepth) > jsonLimits.maxBodyDepth) {
              resolve({
                ok: false,
                reason: 'network',
                message: `The answer nests more than ${jsonLimits.maxBodyDepth} levels deep.`,
              });
              return;
            }
          }
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ ok: true, status: response.statusCode ?? 0, headers, body });
        });
        response.on('error', (error) => resolve({ ok: false, reason: 'network', message: error.message }));
      },
    );
    // The last word, whatever resolved the name: the address a new connection reached is checked
    // before a byte is sent on it (this listener runs before the socket flushes what waits to be sent).
    if (!request.allowPrivateNetwork) {
      outgoing.on('socket', (socket) => {
        if (!socket.connecting) return;
        socket.prependOnceListener('connect', () => {
          const remote = socket.remoteAddress ?? '';
          if (!isInternalAddress(remote)) return;
          refusal = `${url.hostname} connected to ${remote}, an internal address; the tenant does not allow flows to call those.`;
          socket.destroy(new Error(refusal));
        });
      });
    }
    outgoing.on('timeout', () => {
      outgoing.destroy();
      resolve({ ok: false, reason: 'timeout', message: `No answer within ${request.timeoutMs} ms.` });
    });
    outgoing.on('error', (error) => {
      resolve(
        refusal ? { ok: false, reason: 'refused', message: refusal } : { ok: false, reason: 'network', message: error.message },
      );
    });
    if (request.body !== null) outgoing.write(request.body);
    outgoing.end();
  });
