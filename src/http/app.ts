import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import type { ClusterRouting } from '../cluster/forwarding.js';
import { AppError, apiError } from '../core/errors.js';
import { flowJsonSchema } from '../core/flow/flow-schema.js';
import { checkBodyDepth } from '../core/json-limits.js';
import type { Engine } from '../engine/engine.js';
import { registerAgentGateway } from '../realtime/agent-gateway.js';
import { registerSupervisorGateway } from '../realtime/supervisor-gateway.js';
import { answerClientError, connectionLimits, loggableUrl } from './connection-limits.js';
import { toErrorResponse } from './error-response.js';
import { describeOperation } from './openapi.js';
import { authenticate, requireAdmin } from './request-context.js';
import { registerAgentRoutes } from './routes/agent-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerCallCenterRoutes } from './routes/call-center-routes.js';
import { registerCallbackRoutes } from './routes/callback-routes.js';
import { registerClusterRoutes } from './routes/cluster-routes.js';
import { registerConfigurationRoutes } from './routes/configuration-routes.js';
import { registerContactRoutes } from './routes/contact-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerExportRoutes } from './routes/export-routes.js';
import { registerInteractionRoutes } from './routes/interaction-routes.js';
import { registerInvitationRoutes } from './routes/invitation-routes.js';
import { registerMessagingRoutes } from './routes/messaging-routes.js';
import { registerTenantRoutes } from './routes/tenant-routes.js';
import { registerUserRoutes } from './routes/user-routes.js';
import { registerWebApp } from './web-app.js';

/**
 * Routes that speak someone else's protocol (src/adapters): registered under their prefix in their
 * own scope, they authenticate and answer errors in that protocol's way, not the API's.
 */
export interface ProtocolAdapter {
  prefix: string;
  register(app: FastifyInstance, engine: Engine): Promise<void>;
}

export interface AppDeps {
  engine: Engine;
  /** Chosen by the composition root (main.ts). */
  adapters?: ProtocolAdapter[];
  /** Fastify's logger option: false in tests, pino settings when serving. */
  logger?: FastifyServerOptions['logger'];
  /** The Prometheus registry GET /metrics serves (admin token); no /metrics without one. */
  metrics?: Registry;
  /** This node's place in a cluster on PostgreSQL; none on a single node. */
  cluster?: ClusterRouting;
}

/** Paths anyone may read: they describe the API and hold no tenant data. */
const publicPaths = [
  /^\/$/,
  /^\/app(\/|$)/,
  /^\/openapi\.json$/,
  /^\/docs(\/|$)/,
  /^\/(healthz|readyz)$/,
  /^\/v1\/schemas\/flow\.json$/,
  // Signing in: nobody is signed in yet.
  /^\/auth\/(sign-in|sign-in\/token|invitations\/accept)$/,
];

/** The HTTP API over an engine. Nothing is listening until the caller calls listen(). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { engine } = deps;
  const adapters = deps.adapters ?? [];
  const logger = deps.logger
    ? {
        ...(deps.logger as object),
        // Fastify's own request serialiser, with credentials in the query hidden.
        serializers: {
          req: (request: FastifyRequest) => ({
            method: request.method,
            url: loggableUrl(request.url),
            host: request.host,
            remoteAddress: request.ip,
            remotePort: request.socket?.remotePort,
          }),
        },
      }
    : false;
  const app = Fastify({
    logger,
    bodyLimit: 1024 * 1024,
    requestTimeout: connectionLimits.requestTimeoutMs,
    keepAliveTimeout: connectionLimits.keepAliveTimeoutMs,
    http: {
      headersTimeout: connectionLimits.headersTimeoutMs,
      connectionsCheckingInterval: connectionLimits.checkIntervalMs,
      maxHeaderSize: connectionLimits.maxHeaderBytes,
    },
    clientErrorHandler: answerClientError,
    // What the router refuses before any route or hook runs, in the API's error shape.
    frameworkErrors: (error, _request, reply) => {
      const code = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URL_TOO_LONG' : 'MALFORMED_URL';
      const message =
        code === 'URL_TOO_LONG'
          ? 'A part of the path is longer than 100 characters; ids are shorter.'
          : 'The URL cannot be decoded.';
      const { status, body } = toErrorResponse(new AppError(apiError(code, message)));
      // The reply's route generics are unknown here (no route matched): it is a plain reply.
      (reply as unknown as FastifyReply).code(status).send(body);
    },
    ajv: {
      // Unknown fields are errors, never silently dropped; types are not coerced ("5" is not 5).
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: false },
    },
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('webSession', null);
  // JSON (and YAML for flow documents) only: Fastify would otherwise hand text/plain bodies to the schemas.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        // Aliases are capped so a small document cannot expand into a huge one.
        done(null, parseYaml(String(body), { maxAliasCount: 100 }));
      } catch (error) {
        done(
          new AppError(apiError('MALFORMED_YAML', `The body is not valid YAML: ${(error as Error).message.split('\n')[0]}`)),
          undefined,
        );
      }
    },
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Switchboard API',
        version: '1',
        description:
          'Omnichannel routing engine. Authenticate with "Authorization: Bearer <token>" (the admin token or a tenant API key). Errors: {"errors":[{"code","field","message"}]}; codes in docs/errors.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: describeOperation,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  // First: a tenant another node holds is served there (before authentication, which the owner does).
  registerClusterRoutes(app, deps.cluster ?? null);

  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (publicPaths.some((pattern) => pattern.test(path))) return;
    if (adapters.some((adapter) => path === adapter.prefix || path.startsWith(`${adapter.prefix}/`))) return;
    request.principal = await authenticate(engine, request);
    // Agent tokens open only the agent-facing routes (marked agentAccess); keys and the admin token, all.
    const config = request.routeOptions.config as { agentAccess?: boolean } | undefined;
    if (request.principal.kind === 'agent' && request.routeOptions.url && !config?.agentAccess) {
      throw new AppError(apiError('FORBIDDEN', 'An agent token can use the agent routes only.'));
    }
    // A supervisor reads; signing out is the one thing they change.
    if (request.principal.kind === 'supervisor' && !['GET', 'HEAD'].includes(request.method) && !path.startsWith('/auth/')) {
      throw new AppError(apiError('FORBIDDEN', 'A supervisor reads the tenant and changes nothing.'));
    }
  });

  // Before the schemas or anything else walks it: a body nested thousands deep would overflow the
  // stack of every recursive reader after the parser (see core/json-limits.ts).
  app.addHook('preValidation', async (request) => {
    if (request.body !== undefined) checkBodyDepth(request.body);
  });

  // Committed before announced: an answer may report what an operation applied, so it leaves only once
  // that is durable (the store commits in groups; see Store.committed).
  app.addHook('onSend', (_request, _reply, payload, done) => {
    engine.store.committed().then(() => done(null, payload), done);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    // The tenant is moving between nodes: it has an owner again within a lease's renewal. Expected, not a bug.
    if (body.errors[0]?.code === 'TENANT_MOVED') return reply.code(status).header('retry-after', '1').send(body);
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      // The id ties the answer to the log line without showing internals to the caller.
      return reply
        .code(status)
        .send({ errors: body.errors.map((e) => ({ ...e, message: `${e.message} Request id: ${request.id}.` })) });
    }
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler(async (request, reply) => {
    // Unauthenticated callers learn nothing about which routes exist.
    if (!request.principal) await authenticate(engine, request);
    const { status, body } = toErrorResponse(
      new AppError(apiError('ROUTE_NOT_FOUND', `No endpoint ${request.method} ${request.url.split('?')[0]}.`)),
    );
    return reply.code(status).send(body);
  });

  // The start page of a browser pointed at the server: the web UI.
  registerWebApp(app);
  // Liveness: the process answers.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', store: engine.store.driver }));
  // Readiness: started (migrations run, timers re-armed, the router's view loaded: buildApp comes after
  // engine.start) and the store answers within 2 s.
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      engine.store.getTenant('readiness-probe').then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 2000);
      }),
    ]);
    clearTimeout(timer);
    if (answered && deps.cluster && !deps.cluster.serving()) {
      const { status, body } = toErrorResponse(new AppError(apiError('NOT_READY', 'This node is leaving the cluster.')));
      return reply.code(status).send(body);
    }
    if (answered) return { status: 'ready', store: engine.store.driver, ...(deps.cluster ? { node: deps.cluster.nodeId } : {}) };
    const { status, body } = toErrorResponse(
      new AppError(apiError('NOT_READY', `The ${engine.store.driver} store does not answer.`)),
    );
    return reply.code(status).send(body);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const registry = deps.metrics;
  if (registry) {
    // Prometheus' text format; the admin token only: the figures span every tenant.
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      requireAdmin(request);
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  }
  app.get(
    '/v1/schemas/flow.json',
    { schema: { tags: ['flows'], summary: 'The JSON Schema of flow documents' } },
    async () => flowJsonSchema,
  );
  app.addHook('onClose', async () => engine.stop());
  registerTenantRoutes(app, engine);
  registerConfigurationRoutes(app, engine);
  registerContactRoutes(app, engine);
  registerExportRoutes(app, engine);
  registerInteractionRoutes(app, engine);
  registerCallbackRoutes(app, engine);
  registerAuthRoutes(app, engine);
  registerUserRoutes(app, engine);
  registerMessagingRoutes(app, engine);
  registerInvitationRoutes(app, engine);
  registerAgentRoutes(app, engine);
  registerEventRoutes(app, engine);
  registerCallCenterRoutes(app, engine);
  registerAgentGateway(app, engine);
  registerSupervisorGateway(app, engine);
  for (const adapter of adapters) {
    await app.register(async (scope) => adapter.register(scope, engine), { prefix: adapter.prefix });
  }
  return app;
}
