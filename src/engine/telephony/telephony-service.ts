import { createCallCallbacks } from './call-callbacks.js';
import { createCallConversation } from './call-conversation.js';
import { createCallRecords } from './call-records.js';
import { createCallRouting } from './call-routing.js';
import { createTelephonyContext, type TelephonyDeps } from './telephony-context.js';

export type { RoutingInstructions } from './call-routing.js';

/**
 * The engine side of the Service Cloud Voice-compatible telephony API (seed 003): voice call records
 * as voice interactions, omniFlow routing through Switchboard flows and the router, and the pending
 * routing record that clearRouting removes, transcripts and conversation signals. Wire formats and JWTs live in adapters/scv.
 */
export function createTelephonyService(deps: TelephonyDeps) {
  const ctx = createTelephonyContext(deps);
  return { ...createCallRecords(ctx), ...createCallRouting(ctx), ...createCallConversation(ctx), ...createCallCallbacks(ctx) };
}

export type TelephonyService = ReturnType<typeof createTelephonyService>;
