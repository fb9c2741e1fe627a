import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a test server received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on loopback for the providers and endpoints flows talk to. */
export interface HttpReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startHttpReceiver(
  handle: (request: Received, response: ServerResponse) => void | Promise<void>,
  /** How the body is read into `body`: latin1 keeps bytes (a gzipped body) as they are. */
  bodyEncoding: BufferEncoding = 'utf8',
): Promise<HttpReceiver> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(bodyEncoding),
      };
      received.push(entry);
      void handle(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Polls until `check` returns a value (bounded: it gives up after `attempts` tries). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the condition did not become true');
}
