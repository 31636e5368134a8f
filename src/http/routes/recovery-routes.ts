import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { invalidRequest, validationFailed } from '../../domain/app-error.ts';
import type { ServiceContext } from '../../services/context.ts';
import { recoverEndpoint, retryMatchingLogs } from '../../services/recovery-service.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import type { RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams } from '../schemas/common.ts';
import { LogQuery, parseLogQuery } from './log-routes.ts';

const RecoverBody = Type.Object(
  {
    since: Type.String({ description: 'Recover deliveries created at or after this time (ISO 8601)' }),
    until: Type.Optional(Type.String({ description: 'and before this time; default now' })),
  },
  { additionalProperties: false },
);

function bodyTime(field: string, text: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(ms)) throw validationFailed(field, 'must be an ISO 8601 timestamp such as 2026-01-15T09:30:00.000Z');
  return ms;
}

/** Bulk re-delivery: recover an endpoint's failures in a window, or retry a filtered log selection. */
export function recoveryRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireWorkspace(ctx) };

  app.post<{ Params: { id: string }; Body: Static<typeof RecoverBody> }>('/v1/endpoints/:id/recover', {
    ...auth,
    schema: {
      tags: ['Endpoints'],
      summary: 'Re-queue every failed_permanent delivery of the endpoint created in [since, until); no window cap',
      params: IdParams('id', 'ep'),
      body: RecoverBody,
      response: { 202: Type.Object({ queued: Type.Integer() }), ...AuthErrors, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
    },
  }, async (request, reply) => {
    const now = ctx.clock.now();
    const since = bodyTime('since', request.body.since);
    const until = request.body.until === undefined ? now : bodyTime('until', request.body.until);
    if (since >= until) throw validationFailed('since', 'must be before until');
    const queued = await recoverEndpoint(ctx, workspaceOf(request), request.params.id, since, until);
    return reply.status(202).send({ queued });
  });

  app.post<{ Querystring: RawQuery }>('/v1/logs/retry', {
    ...auth,
    schema: {
      tags: ['Logs'],
      summary: 'Retry every delivery with an entry matching the log filters (query string, as GET /v1/logs); at least one filter',
      querystring: LogQuery,
      response: { 202: Type.Object({ queued: Type.Integer(), skipped: Type.Integer({ description: 'deliveries whose endpoint is disabled or deleted' }) }), ...AuthErrors },
    },
  }, async (request, reply) => {
    const { filters, params } = parseLogQuery(request.query, workspaceOf(request));
    if (params.cursor !== undefined || params.page !== undefined) throw invalidRequest('cursor', 'paging does not apply to a bulk retry');
    if (Object.keys(filters).length <= 1) throw invalidRequest('filters', 'name at least one filter (for example status=failed&start_time=…): a bulk retry of the whole log is refused');
    return reply.status(202).send(await retryMatchingLogs(ctx, filters));
  });
}
