import { AppError, apiError } from '../../core/errors.js';
import type { CallCenter, Interaction, InteractionEvent, Tenant } from '../../core/model.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { Conversations } from '../conversations.js';
import type { FlowRunner } from '../flow-runner.js';
import type { IdGenerator } from '../id-generator.js';
import type { InteractionService } from '../interaction-service.js';
import type { Router } from '../router-service.js';

export interface TelephonyDeps {
  store: Store;
  clock: Clock;
  interactions: InteractionService;
  flows: FlowRunner;
  router: Router;
  conversations: Conversations;
  newId: IdGenerator;
  /** Called after a change this service saved itself (the router and webhooks follow). */
  committed(interaction: Interaction): void;
}

/** Before anyone answered: the states a call can still be routed (or missed) from. */
export const openBeforeAnswer = new Set(['created', 'dispatched', 'undispatched', 'in_flow', 'queued', 'offered']);
/** Being routed: in a flow, waiting in a queue, or offered. */
export const routingStates = new Set(['in_flow', 'queued', 'offered']);

/** What every part of the telephony service shares: its dependencies, and reading and saving calls. */
export function createTelephonyContext(deps: TelephonyDeps) {
  const { store, clock } = deps;
  return {
    deps,
    store,
    clock,
    /** The call by our id or the provider's call key; VOICE_CALL_NOT_FOUND otherwise. */
    async find(tenant: Tenant, callCenter: CallCenter, callId: string): Promise<Interaction> {
      const call = await store.findVoiceCall(tenant.id, callCenter.id, callId);
      if (!call?.voiceCall) throw new AppError(apiError('VOICE_CALL_NOT_FOUND', `No voice call ${callId}`));
      return call;
    },

    /** Saves a change of the call on top of the revision read; CONCURRENT_MODIFICATION when it moved meanwhile. */
    async save(before: Interaction, after: Interaction, events: Omit<InteractionEvent, 'seq'>[]): Promise<Interaction> {
      const changed = { ...after, revision: before.revision + 1, updatedAt: clock.now() };
      if (!(await store.saveInteractions([{ interaction: changed, events }]))) {
        throw new AppError(apiError('CONCURRENT_MODIFICATION', 'The call changed while this request ran; retry'));
      }
      deps.committed(changed);
      return changed;
    },
  };
}

export type TelephonyContext = ReturnType<typeof createTelephonyContext>;
