import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';

// What Meta's webhooks share (WhatsApp Cloud API and Messenger): the verification handshake, the
// X-Hub-Signature-256 check over the raw body, and the error answers of the provider routes.

/** An error answer of a provider route, in the API's error shape. */
export function answer(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ errors: [{ code, message }] });
}

/** The signature is over the exact bytes received: bodies are kept raw, and parsed after the check. */
export function keepRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether X-Hub-Signature-256 is `sha256=` and the HMAC-SHA256 of the raw body with the app secret. */
export function signatureMatches(header: unknown, raw: Buffer, appSecret: string): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=') || appSecret === '') return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Meta's handshake: `hub.mode=subscribe` with the verify token set on the channel; answer the challenge. */
export function handshake(query: Record<string, string | undefined>, verifyToken: string): string | null {
  if (query['hub.mode'] !== 'subscribe' || verifyToken === '' || !sameText(query['hub.verify_token'] ?? '', verifyToken)) {
    return null;
  }
  return String(query['hub.challenge'] ?? '');
}

/** The raw body of a request whose parser kept it (keepRawBodies). */
export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** A JSON body read after its signature was checked; null when it is not JSON. */
export function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
}
