import { createHmac, timingSafeEqual } from 'node:crypto';

// What Meta's webhooks share (WhatsApp Cloud API and Messenger): the verification handshake and the
// X-Hub-Signature-256 check over the raw body.

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
