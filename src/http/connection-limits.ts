import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { apiError, type ErrorCode } from '../core/errors.js';

/**
 * How long a connection may take, so slow clients (slowloris, a body trickled byte by byte) cannot
 * hold the server's sockets: the headers within 10 s, the whole request within 30 s, and a kept-alive
 * connection may sit idle 65 s between requests (above the 60 s idle time-out of common load
 * balancers, so they never reuse a connection the server is closing). Checked every second.
 */
export const connectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  checkIntervalMs: 1_000,
  /** Node's default, named here because the answer to a larger header says it. */
  maxHeaderBytes: 16 * 1024,
} as const;

/**
 * Answers what Node's HTTP parser refuses before any route sees it (a request too slow, headers too
 * large, not HTTP) in the API's error shape, then closes the connection.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time: headers within 10 s, the whole request within 30 s.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', `The request headers are larger than ${connectionLimits.maxHeaderBytes / 1024} KiB.`]
        : [400, 'MALFORMED_REQUEST', 'The request is not well-formed HTTP/1.1.'];
  const body = JSON.stringify({ errors: [apiError(code, message)] });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** A URL as it may be logged: a credential in the query (the agent WebSocket's access_token) is hidden. */
export function loggableUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
}
