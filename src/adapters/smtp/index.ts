import { smtpTransport } from './smtp-client.js';

/** SMTP: the email transport the engine sends voicemail notifications through (no inbound routes). */
export { smtpTransport };
