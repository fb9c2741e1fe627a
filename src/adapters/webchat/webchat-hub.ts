// The customers' live web chat connections, by session: where the web chat provider puts the messages
// it is given to send. In-process, like the agents' hub.

type Listener = (message: Record<string, unknown>) => void;

const listeners = new Map<string, Set<Listener>>();

const key = (tenantId: string, widgetId: string, sessionId: string) => `${tenantId}/${widgetId}/${sessionId}`;

export const webchatHub = {
  /** Returns the function that unsubscribes. */
  subscribe(tenantId: string, widgetId: string, sessionId: string, listener: Listener): () => void {
    const k = key(tenantId, widgetId, sessionId);
    const set = listeners.get(k) ?? new Set<Listener>();
    set.add(listener);
    listeners.set(k, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) listeners.delete(k);
    };
  },
  /** How many connections took it. */
  publish(tenantId: string, widgetId: string, sessionId: string, message: Record<string, unknown>): number {
    const set = listeners.get(key(tenantId, widgetId, sessionId));
    for (const listener of set ?? []) listener(message);
    return set?.size ?? 0;
  },
};
