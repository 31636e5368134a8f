import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { newId } from '../domain/ids.ts';
import type { ServiceContext } from '../services/context.ts';
import { drainConnectionsOnClose } from './connection-drain.ts';
import { installErrorHandling } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { answerClientError, answerFrameworkError, installRequestLimits, MAX_PARAM_LENGTH } from './request-limits.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { dashboardRoutes } from './routes/dashboard-routes.ts';
import { deliveryRoutes } from './routes/delivery-routes.ts';
import { endpointRoutes } from './routes/endpoint-routes.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { exportRoutes } from './routes/export-routes.ts';
import { logRoutes } from './routes/log-routes.ts';
import { logStreamRoutes } from './routes/log-stream-routes.ts';
import { recoveryRoutes } from './routes/recovery-routes.ts';
import type { LogTail } from '../services/log-tail.ts';
import { operationRoutes } from './routes/operation-routes.ts';
import { statsRoutes } from './routes/stats-routes.ts';

/** What the API needs from the composition root. */
export interface AppOptions {
  ctx: ServiceContext;
  metrics: Metrics;
  logger: Logger;
  /** The live tail's fan-out, shared by every `/v1/logs/stream` client. */
  tail: LogTail;
  /** Heartbeat period of live tails (`HERALD_STREAM_HEARTBEAT`). */
  streamHeartbeatMs: number;
}

/**
 * Builds the HTTP API without listening (tests call `app.inject()`; main.ts calls `listen`).
 * Every response carries `X-Request-Id`; every error is the contract's shape.
 */
export async function buildApp({ ctx, metrics, logger, tail, streamHeartbeatMs }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => newId('req'),
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    connectionTimeout: 60_000,
    requestTimeout: 60_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH, ignoreTrailingSlash: true },
    // What Node cannot parse (headers over 16 KiB, …) or the router refuses is answered in the contract's error shape too.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  // Responses are serialised as they are built; the response schemas document them in /openapi.json.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('principal', null);
  drainConnectionsOnClose(app);
  installErrorHandling(app);
  // JSON only: without this, a text/plain body reaches the schemas as a string and answers a puzzling 422.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Deep JSON refused before parsing, request targets over 8 KiB refused (src/http/request-limits.ts).
  installRequestLimits(app);
  app.addHook('onResponse', async (request, reply) => {
    metrics.recordRequest(request.method, request.routeOptions.url ?? 'unknown', reply.statusCode);
    if (reply.statusCode >= 500) request.log.warn({ method: request.method, url: request.url, status: reply.statusCode }, 'request answered 5xx');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Herald', version: '0.1.0', description: 'Webhook delivery with a log of every attempt. The contract: API.md.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });

  operationRoutes(app, ctx, metrics);
  adminRoutes(app, ctx);
  endpointRoutes(app, ctx);
  eventRoutes(app, ctx);
  deliveryRoutes(app, ctx);
  logStreamRoutes(app, ctx, tail, streamHeartbeatMs);
  recoveryRoutes(app, ctx);
  exportRoutes(app, ctx);
  logRoutes(app, ctx);
  statsRoutes(app, ctx);
  dashboardRoutes(app);
  return app;
}
