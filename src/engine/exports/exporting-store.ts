import type { OutboxItem } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { CallExports } from './call-exports.js';

/**
 * The store every service of the engine writes through: the same store, except that a save which ends a
 * voice call carries the call's exports (made in the same transaction, so a call is never ended without
 * them), and their outbox items are handed to the outbox once the save went through. Every path that ends
 * a call (the router, flows, the telephony API, invitations) saves interactions this way, so none can
 * forget the export.
 */
export function exportingStore(store: Store, exports: CallExports, outboxAdded: (items: OutboxItem[]) => void): Store {
  const saveInteractions: Store['saveInteractions'] = async (changes) => {
    // Most saves end no call: they reach the store at once, in the order they were made.
    if (!changes.some((change) => exports.endsCall(change))) return store.saveInteractions(changes);
    const { changes: withExports, items } = await exports.withExports(changes);
    const saved = await store.saveInteractions(withExports);
    if (saved && items.length > 0) outboxAdded(items);
    return saved;
  };
  // Every other operation is the store's own, bound to it once.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'saveInteractions') return saveInteractions;
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (!bound.has(property)) bound.set(property, value.bind(target));
      return bound.get(property);
    },
  });
}
