import { webchatProvider } from './webchat-client.js';
import { registerWebchatRoutes } from './webchat-routes.js';

/** Web chat: the customer-facing routes (sessions, the customer WebSocket, the widget) and the provider. */
export const webchatAdapter = { prefix: '/webchat', register: registerWebchatRoutes };
export { webchatProvider };
