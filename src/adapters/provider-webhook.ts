import type { FastifyInstance, FastifyReply } from 'fastify';

// What every provider's webhook routes share: bodies kept raw (signatures are over the exact bytes),
// and error answers in the API's shape.

/** An error answer of a provider route, in the API's error shape. */
export function answer(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ errors: [{ code, message }] });
}

/** The signature is over the exact bytes received: bodies are kept raw, and parsed after the check. */
export function keepRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
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
