import nodemailer from 'nodemailer';
import type { EmailResult, EmailTransport } from '../../engine/email/email-delivery.js';

/** An SMTP error as nodemailer reports it: the server's reply code, when it gave one. */
interface SmtpError {
  responseCode?: number;
  message?: string;
}

/**
 * Email through an SMTP server with nodemailer: `url` as nodemailer reads it
 * (`smtp://user:pass@host:587`, `smtps://…:465`), sent from `from`. A 5xx reply is the server refusing
 * the message for good; a 4xx reply or a connection that fails is tried again.
 */
export function smtpTransport(url: string, from: string): EmailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    async send(message): Promise<EmailResult> {
      try {
        await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
        return { kind: 'sent' };
      } catch (error) {
        const { responseCode, message: text } = error as SmtpError;
        const said = `${responseCode ?? 'no reply'}: ${text ?? 'the SMTP server could not be reached'}`;
        return responseCode !== undefined && responseCode >= 500
          ? { kind: 'refused', message: said }
          : { kind: 'retry', message: said };
      }
    },
  };
}
