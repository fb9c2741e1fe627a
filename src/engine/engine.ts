import type { Store } from '../store/store.js';
import { createAccessControl } from './access-control.js';
import type { Clock } from './clock.js';
import { createConfigurationService } from './configuration-service.js';
import { createFlowRunner } from './flow-runner.js';
import { type HttpClient, nodeHttpClient } from './http-client.js';
import type { IdGenerator } from './id-generator.js';
import { createInteractionService } from './interaction-service.js';
import { createTimerService } from './timer-service.js';

export interface EngineConfig {
  store: Store;
  clock: Clock;
  newId: IdGenerator;
  /** The bootstrap admin credential. */
  adminToken: string;
  /** How flows make HTTP calls; the guarded node:http client by default. */
  http?: HttpClient;
}

/** The engine's services over one store, clock and id source. Call start() before serving. */
export function createEngine(config: EngineConfig) {
  const { store, clock, newId } = config;
  const access = createAccessControl({ store, adminToken: config.adminToken });
  const configuration = createConfigurationService({ store, clock, newId, access });
  const timers = createTimerService({
    clock,
    fire: (timer) => flows.deliver(timer.tenantId, timer.interactionId, { type: 'timer', timerId: timer.id }),
  });
  const flows = createFlowRunner({
    store,
    clock,
    http: config.http ?? nodeHttpClient,
    onTimers: (changes) => timers.apply(changes),
  });
  const interactions = createInteractionService({ store, clock, newId, configuration, flows });
  return {
    store,
    clock,
    access,
    configuration,
    flows,
    interactions,
    /** Re-arms the stored timers, so runs that waited when the server stopped go on. */
    start: () => timers.restore(store),
    stop: () => timers.stop(),
  };
}

export type Engine = ReturnType<typeof createEngine>;
