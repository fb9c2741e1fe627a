import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, apiError } from '../../core/errors.js';
import type { Engine } from '../../engine/engine.js';
import { createTokenVerifier, TokenRefused, type VerifiedCaller } from './token-verifier.js';

type Body = Record<string, unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    scvCaller?: VerifiedCaller;
  }
}

const xmlTypes = ['application/xml', 'text/xml'];

// Values stay strings ("+18445791189" is not a number); entities are not expanded (no entity bombs).
const xmlParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: false, trimValues: true });
const xmlBuilder = new XMLBuilder({ format: false, suppressEmptyNode: true });

/** XML answers when the request was XML (or asked for it), JSON otherwise: the vendor's rule. */
function wantsXml(request: FastifyRequest): boolean {
  const type = String(request.headers['content-type'] ?? '').toLowerCase();
  if (xmlTypes.some((t) => type.startsWith(t))) return true;
  if (type !== '') return false;
  return /\b(application|text)\/xml\b/i.test(String(request.headers.accept ?? ''));
}

function send(request: FastifyRequest, reply: FastifyReply, status: number, body: Record<string, unknown>) {
  reply.code(status);
  if (!wantsXml(request)) return reply.send(body);
  const document = Array.isArray(body.errors)
    ? { errors: { error: body.errors } }
    : { response: Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) };
  return reply.type('application/xml; charset=utf-8').send(`<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder.build(document)}`);
}

/** The XML body's root element holds the fields; its name is not checked (CONTRACT 3(b)). */
function fromXml(text: string): Body {
  if (/<!DOCTYPE/i.test(text)) throw new AppError(apiError('MALFORMED_JSON', 'XML bodies may not have a DOCTYPE'));
  let parsed: unknown;
  try {
    parsed = xmlParser.parse(text, true);
  } catch (error) {
    throw new AppError(apiError('MALFORMED_JSON', `The body is not well-formed XML: ${(error as Error).message.split('\n')[0]}`));
  }
  const roots = Object.entries((parsed ?? {}) as Body).filter(([name]) => !name.startsWith('?'));
  const root = roots[0]?.[1];
  if (roots.length !== 1 || (root !== '' && (typeof root !== 'object' || root === null))) {
    throw new AppError(apiError('MALFORMED_JSON', 'The XML body must have one root element holding the fields'));
  }
  return root === '' ? {} : (root as Body);
}

/**
 * Service Cloud Voice's Telephony Integration REST API under /telephony/v1, as a provider's client
 * calls it: JSON or XML bodies, a call center's RS256 JWT as the only credential, and the vendor's
 * error shape `{"errors":["message"]}`. What happens to the calls is the engine's telephony service.
 */
export async function registerScvRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const verifier = createTokenVerifier({ store: engine.store, clock: engine.clock });
  const tags = ['telephony (Service Cloud Voice)'];

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError(apiError('MALFORMED_JSON', 'The body is not valid JSON')), undefined);
    }
  });
  app.addContentTypeParser(xmlTypes, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, String(body).trim() === '' ? {} : fromXml(String(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // The token is checked before the body is read: a caller without one learns nothing else.
  app.addHook('onRequest', async (request) => {
    request.scvCaller = await verifier.verify(request.headers.authorization);
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof TokenRefused) return send(request, reply, 401, { errors: [error.message] });
    if (error instanceof AppError) return send(request, reply, error.status, { errors: error.errors.map((e) => e.message) });
    const status = (error as { statusCode?: number }).statusCode;
    if (status === 415)
      return send(request, reply, 415, { errors: ['Content-Type must be application/json or application/xml'] });
    if (status === 413) return send(request, reply, 413, { errors: ['The body is too large'] });
    if (status !== undefined && status >= 400 && status < 500) {
      return send(request, reply, status, { errors: [(error as Error).message] });
    }
    request.log.error({ err: error }, 'telephony request failed');
    return send(request, reply, 500, { errors: [`Internal error. Request id: ${request.id}.`] });
  });
  app.setNotFoundHandler(async (request, reply) => {
    // The token is verified once a request: the onRequest hook has done it when it ran (verifying
    // again would find the token's jti used and answer 401 for an endpoint that does not exist).
    if (!request.scvCaller) {
      try {
        request.scvCaller = await verifier.verify(request.headers.authorization);
      } catch (error) {
        return send(request, reply, 401, { errors: [(error as Error).message] });
      }
    }
    return send(request, reply, 404, { errors: [`No endpoint ${request.method} ${request.url.split('?')[0]}`] });
  });

  const caller = (request: FastifyRequest) => request.scvCaller as VerifiedCaller;
  const body = (request: FastifyRequest): Body => {
    // The provider's client sends the literal `null` where there is nothing to say (reroute).
    const value = request.body ?? {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw new AppError(apiError('INVALID_TYPE', 'The body must be an object'));
    return value as Body;
  };
  const callId = (request: FastifyRequest) => (request.params as { callId: string }).callId;
  const provider = (request: FastifyRequest) => {
    const name = request.headers['telephony-provider-name'];
    return typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 200) : null;
  };

  app.post('/voiceCalls', { schema: { tags, summary: 'Create a voice call record' } }, async (request, reply) => {
    const { tenant, callCenter } = caller(request);
    const { voiceCallId } = await engine.telephony.createCall(tenant, callCenter, body(request), provider(request));
    return send(request, reply, 200, { voiceCallId });
  });
  app.patch('/voiceCalls/:callId', { schema: { tags, summary: 'Update a voice call record' } }, async (request, reply) => {
    const { tenant, callCenter } = caller(request);
    const call = await engine.telephony.updateCall(tenant, callCenter, callId(request), body(request));
    return send(request, reply, 200, { voiceCallId: call.id, success: true });
  });
  app.patch(
    '/voiceCalls/:callId/omniFlow',
    { schema: { tags, summary: 'Execute an Omni-Channel flow' } },
    async (request, reply) => {
      const { tenant, callCenter } = caller(request);
      return send(request, reply, 200, {
        ...(await engine.telephony.omniFlow(tenant, callCenter, callId(request), body(request))),
      });
    },
  );
  app.patch(
    '/voiceCalls/:callId/clearRouting',
    { schema: { tags, summary: 'Clear pending routing' } },
    async (request, reply) => {
      const { tenant, callCenter } = caller(request);
      await engine.telephony.clearRouting(tenant, callCenter, callId(request));
      return send(request, reply, 200, { success: true });
    },
  );
  app.post(
    '/voiceCalls/:callId/messages',
    { schema: { tags, summary: 'Create a transcript (one utterance of a call)' } },
    async (request, reply) => {
      const { tenant, callCenter } = caller(request);
      await engine.telephony.transcript(tenant, callCenter, callId(request), body(request));
      return send(request, reply, 202, { result: 'Accepted' });
    },
  );
  app.post(
    '/voiceCalls/messages',
    { schema: { tags, summary: 'Create transcripts in bulk (several calls)' } },
    async (request, reply) => {
      const { tenant, callCenter } = caller(request);
      const failures = await engine.telephony.transcripts(tenant, callCenter, body(request));
      if (failures.length === 0) return send(request, reply, 202, { result: 'Accepted' });
      // The vendor's multi-status: the entries that failed, each with the status it would have had.
      return send(request, reply, 207, { result: 'PartiallyAccepted', errorResponse: { errorResponseEntries: failures } });
    },
  );
  for (const [path, phase, summary] of [
    ['realtimeConversationEvents', 'realtime', 'Send real-time conversation events (intelligence signals)'],
    ['postConversationEvents', 'post_call', 'Store post-call conversation events'],
  ] as const) {
    app.post(`/voiceCalls/:callId/${path}`, { schema: { tags, summary } }, async (request, reply) => {
      const { tenant, callCenter } = caller(request);
      await engine.telephony.conversationEvents(tenant, callCenter, callId(request), body(request), phase);
      return send(request, reply, 202, { status: '202 Accepted' });
    });
  }
  app.patch('/voiceCalls/:callId/reroute', { schema: { tags, summary: 'Reroute a voice call' } }, async (request, reply) => {
    const { tenant, callCenter } = caller(request);
    await engine.telephony.reroute(tenant, callCenter, callId(request));
    return send(request, reply, 200, { status: 'Success' });
  });
  app.patch('/voiceCalls/route/:callId', { schema: { tags, summary: 'Route a voice call' } }, async (request, reply) => {
    const { tenant, callCenter } = caller(request);
    await engine.telephony.route(tenant, callCenter, callId(request), body(request));
    return send(request, reply, 200, { status: 'Success' });
  });
  app.post('/voiceCalls/:callId/requestCallback', { schema: { tags, summary: 'Request a callback' } }, async (request, reply) => {
    const { tenant, callCenter } = caller(request);
    return send(request, reply, 200, {
      ...(await engine.telephony.requestCallback(tenant, callCenter, callId(request), body(request))),
    });
  });
}

/** The protocol adapter main.ts hands to buildApp. */
export const scvAdapter = { prefix: '/telephony/v1', register: registerScvRoutes };
