/** The server's WebSockets (the agent protocol, the supervisor's), reconnecting by itself. */

// biome-ignore lint/suspicious/noExplicitAny: protocol messages are JSON.
export type Message = Record<string, any>;

export interface LiveSocket {
  /** Sends a request; resolves with its `result` (ok or not). */
  request(message: Message): Promise<Message>;
  close(): void;
}

/**
 * Connects with the session cookie; every message goes to `onMessage`. A dropped connection (a network
 * blip, a server restart) is opened again after 0.5 s, 1 s, 2 s… up to 10 s; the server's `hello` then
 * lists the open offers and held work again, so nothing is lost in between.
 */
export function connectLiveSocket(
  path: string,
  onMessage: (message: Message) => void,
  onStatus: (connected: boolean) => void,
): LiveSocket {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
  const pending = new Map<string, (message: Message) => void>();
  let socket: WebSocket | null = null;
  let closed = false;
  let delay = 500;
  let sequence = 0;

  function open() {
    const current = new WebSocket(url);
    socket = current;
    current.onopen = () => {
      delay = 500;
      onStatus(true);
    };
    current.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (message.type === 'result' && pending.has(message.requestId)) {
        pending.get(message.requestId)?.(message);
        pending.delete(message.requestId);
      }
      onMessage(message);
    };
    current.onclose = () => {
      onStatus(false);
      for (const [id, resolve] of pending)
        resolve({
          type: 'result',
          requestId: id,
          ok: false,
          errors: [{ code: 'DISCONNECTED', message: 'The connection dropped; try again.' }],
        });
      pending.clear();
      if (closed) return;
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  }
  open();

  return {
    request(message) {
      const requestId = `r${++sequence}`;
      return new Promise((resolve) => {
        if (socket?.readyState !== WebSocket.OPEN) {
          resolve({
            type: 'result',
            requestId,
            ok: false,
            errors: [{ code: 'DISCONNECTED', message: 'Not connected; reconnecting.' }],
          });
          return;
        }
        pending.set(requestId, resolve);
        socket.send(JSON.stringify({ ...message, requestId }));
      });
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
