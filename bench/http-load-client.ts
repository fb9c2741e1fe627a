/**
 * The load generator's HTTP/1.1 client: keep-alive connections, one request in flight on each, bodies
 * read by Content-Length. The benchmarks run the client on the same two cores as the server, so every
 * microsecond it spends is taken from the server it measures; a general-purpose client (undici) spent
 * about twice as much per request. It speaks only what the benchmarks need: small requests with a body,
 * answers with a Content-Length.
 */
import { connect, type Socket } from 'node:net';

export interface LoadResponse {
  status: number;
  body: string;
}

interface Pending {
  head: string;
  body: string;
  resolve: (response: LoadResponse) => void;
  reject: (error: Error) => void;
}

const headerEnd = Buffer.from('\r\n\r\n');

class Connection {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private current: Pending | null = null;
  private failed: Error | null = null;

  constructor(
    host: string,
    port: number,
    private readonly next: () => Pending | undefined,
    onFailed: () => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error) => {
      this.failed = error;
      this.current?.reject(error);
      this.current = null;
      onFailed();
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  get alive(): boolean {
    return this.failed === null;
  }

  get idle(): boolean {
    return this.current === null && this.alive;
  }

  send(request: Pending): void {
    this.current = request;
    this.socket.write(`${request.head}content-length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`);
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const end = this.buffered.indexOf(headerEnd);
    if (end < 0 || !this.current) return;
    const head = this.buffered.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
    if (!Number.isFinite(length)) {
      this.current.reject(new Error(`an answer without a Content-Length: ${head.split('\r\n')[0]}`));
      this.socket.destroy();
      return;
    }
    const bodyStart = end + headerEnd.length;
    if (this.buffered.length < bodyStart + length) return;
    const response = {
      status: Number(head.slice(9, 12)),
      body: this.buffered.toString('utf8', bodyStart, bodyStart + length),
    };
    this.buffered = this.buffered.subarray(bodyStart + length);
    const done = this.current;
    this.current = null;
    done.resolve(response);
    const queued = this.next();
    if (queued) this.send(queued);
  }
}

/** Up to `connections` requests in flight; the others wait in order for a free connection. */
export class LoadClient {
  private readonly connections: Connection[];
  private readonly queue: Pending[] = [];

  constructor(url: string, connections: number) {
    const { hostname, port } = new URL(url);
    this.connections = Array.from(
      { length: connections },
      () =>
        new Connection(
          hostname,
          Number(port),
          () => this.queue.shift(),
          () => this.failQueuedIfNoneAlive(),
        ),
    );
  }

  request(method: string, path: string, headers: Record<string, string>, body: string): Promise<LoadResponse> {
    const head = `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}`;
    return new Promise((resolve, reject) => {
      const pending = { head, body, resolve, reject };
      const free = this.connections.find((connection) => connection.idle);
      if (free) free.send(pending);
      else this.queue.push(pending);
      this.failQueuedIfNoneAlive();
    });
  }

  /** With every connection gone, nothing queued would ever be sent: it fails instead of waiting forever. */
  private failQueuedIfNoneAlive(): void {
    if (this.connections.some((connection) => connection.alive)) return;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('no connection to the server is left'));
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }
}
