import { twilioProvider, twilioVoiceProvider } from './twilio-client.js';
import { registerTwilioRoutes } from './twilio-routes.js';

/** Twilio voice and SMS: the webhook routes main.ts mounts, and the providers the engine calls. */
export const twilioAdapter = { prefix: '/providers/twilio', register: registerTwilioRoutes };
export { twilioProvider, twilioVoiceProvider };
