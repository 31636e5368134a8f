import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../services/context.ts';
import { errorBody } from '../errors.ts';
import type { Metrics } from '../metrics.ts';

/** `/healthz`, `/readyz`, `/metrics`, `/openapi.json`: no key needed. */
export function operationRoutes(app: FastifyInstance, ctx: ServiceContext, metrics: Metrics): void {
  const tags = ['Operations'];
  const hidden = { tags, security: [] };

  app.get('/healthz', { schema: { ...hidden, summary: '200 while the process runs' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { ...hidden, summary: '200 when storage answers, else 503' } }, async (request, reply) => {
    const ready = await ctx.storage.ping().catch(() => false);
    if (ready) return { status: 'ready' };
    return reply.status(503).send(errorBody('SERVICE_UNAVAILABLE', 'storage is not answering', [], request.id));
  });

  app.get('/metrics', { schema: { ...hidden, summary: 'Prometheus metrics' } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).serializer((body: string) => body).send(text);
  });

  app.get('/openapi.json', { schema: { ...hidden, summary: 'This OpenAPI 3.1 document' } }, async () => app.swagger());
}
