import { whatsappProvider } from './whatsapp-client.js';
import { registerWhatsAppRoutes } from './whatsapp-routes.js';

/** WhatsApp Cloud API: the webhook routes main.ts mounts, and the provider the engine sends through. */
export const whatsappAdapter = { prefix: '/providers/whatsapp', register: registerWhatsAppRoutes };
export { whatsappProvider };
