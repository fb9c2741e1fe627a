import { messengerProvider } from './messenger-client.js';
import { registerMessengerRoutes } from './messenger-routes.js';

/** Messenger: the webhook routes main.ts mounts, and the provider the engine sends through. */
export const messengerAdapter = { prefix: '/providers/messenger', register: registerMessengerRoutes };
export { messengerProvider };
