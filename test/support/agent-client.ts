import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: protocol messages are JSON.
export type Message = Record<string, any>;

/** A real WebSocket client speaking the agent protocol, with a queue of what it received. */
export interface AgentClient {
  received: Message[];
  /** The next message of this type not yet taken (waits for it; bounded). */
  next(type: string): Promise<Message>;
  /** Sends a request and waits for its result. */
  request(message: Message): Promise<Message>;
  /** Sends a message (or raw text) without waiting for anything. */
  send(message: Message | string): void;
  /** Whether a message of this type arrives within a few event-loop turns (for "nothing was offered"). */
  quiet(type: string): Promise<boolean>;
  close(): Promise<void>;
}

let sequence = 0;

export async function connectAgent(baseUrl: string, tenantId: string, token: string): Promise<AgentClient> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/tenants/${tenantId}/agents/ws?access_token=${encodeURIComponent(token)}`;
  const socket = new WebSocket(url);
  const received: Message[] = [];
  const taken = new Set<Message>();
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    received.push(JSON.parse(String(data)) as Message);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const find = (predicate: (m: Message) => boolean) => received.find((m) => !taken.has(m) && predicate(m));
  const waitFor = async (predicate: (m: Message) => boolean, what: string): Promise<Message> => {
    for (let i = 0; i < 300; i++) {
      const found = find(predicate);
      if (found) {
        taken.add(found);
        return found;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    throw new Error(`no ${what} message; received ${JSON.stringify(received.filter((m) => !taken.has(m)))}`);
  };
  return {
    received,
    next: (type) => waitFor((m) => m.type === type, type),
    async request(message) {
      const requestId = `r${++sequence}`;
      socket.send(JSON.stringify({ ...message, requestId }));
      return waitFor((m) => m.type === 'result' && m.requestId === requestId, `result of ${message.type}`);
    },
    send(message) {
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    async quiet(type) {
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      return !find((m) => m.type === type);
    },
    close: () =>
      new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
