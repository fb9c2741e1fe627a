/** A message for an agent's connections (the WebSocket protocol of docs/agent-protocol.md). */
export type AgentMessage = { type: string } & Record<string, unknown>;

type Listener = (message: AgentMessage) => void;

/** Adds a listener to the set under a key; returns the function that removes it (and the empty set). */
function addListener<L>(map: Map<string, Set<L>>, key: string, listener: L): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(listener);
  return () => {
    set?.delete(listener);
    if (set?.size === 0) map.delete(key);
  };
}

/**
 * Where the engine publishes what agents must hear about (offers, rescinded offers, presence) and
 * where their live connections subscribe. In-process and I/O-free: the realtime gateway owns the sockets.
 */
export function createAgentHub() {
  const listeners = new Map<string, Set<Listener>>();
  const tenantListeners = new Map<string, Set<(agentId: string, message: AgentMessage) => void>>();
  const queueListeners = new Map<string, Set<(queueId: string) => void>>();
  const closeListeners = new Map<string, Set<() => void>>();
  const key = (tenantId: string, agentId: string) => `${tenantId}/${agentId}`;
  return {
    publish(tenantId: string, agentId: string, message: AgentMessage): void {
      for (const listener of listeners.get(key(tenantId, agentId)) ?? []) listener(message);
      for (const listener of tenantListeners.get(tenantId) ?? []) listener(agentId, message);
    },
    /** Everything published to any agent of the tenant (a supervisor's view of the agents). */
    subscribeTenant(tenantId: string, listener: (agentId: string, message: AgentMessage) => void): () => void {
      return addListener(tenantListeners, tenantId, listener);
    },
    /** Returns the function that unsubscribes. */
    subscribe(tenantId: string, agentId: string, listener: Listener): () => void {
      return addListener(listeners, key(tenantId, agentId), listener);
    },
    connections(tenantId: string, agentId: string): number {
      return listeners.get(key(tenantId, agentId))?.size ?? 0;
    },
    /** Something changed in a queue (work arrived, was offered, answered, left). */
    queueChanged(tenantId: string, queueId: string): void {
      for (const listener of queueListeners.get(key(tenantId, queueId)) ?? []) listener(queueId);
    },
    subscribeQueue(tenantId: string, queueId: string, listener: (queueId: string) => void): () => void {
      return addListener(queueListeners, key(tenantId, queueId), listener);
    },
    /** Called when this process stops serving the tenant (a cluster moved it): its connections close. */
    onTenantClosed(tenantId: string, listener: () => void): () => void {
      return addListener(closeListeners, tenantId, listener);
    },
    /** The tenant moved to another node: every live connection of it is told to go (and reconnects there). */
    closeTenant(tenantId: string): void {
      for (const listener of [...(closeListeners.get(tenantId) ?? [])]) listener();
    },
  };
}

export type AgentHub = ReturnType<typeof createAgentHub>;
