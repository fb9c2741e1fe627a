import { appleProvider } from './apple-client.js';
import { registerAppleRoutes } from './apple-routes.js';

/** Apple Messages for Business: the routes Apple posts to, and the provider the engine sends through. */
export const appleAdapter = { prefix: '/providers/apple', register: registerAppleRoutes };
export { appleProvider };
