import type { Store } from '../store/store.js';
import { createAccessControl } from './access-control.js';
import type { Clock } from './clock.js';
import { createConfigurationService } from './configuration-service.js';
import type { IdGenerator } from './id-generator.js';
import { createInteractionService } from './interaction-service.js';

export interface EngineConfig {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  /** The bootstrap admin credential. */
  adminToken: string;
}

/** The engine's services over one store, clock and id source. */
export function createEngine(config: EngineConfig) {
  const { store, clock, newId } = config;
  const access = createAccessControl({ store, adminToken: config.adminToken });
  const configuration = createConfigurationService({ store, clock, newId, access });
  const interactions = createInteractionService({ store, clock, newId, configuration });
  return { store, clock, access, configuration, interactions };
}

export type Engine = ReturnType<typeof createEngine>;
