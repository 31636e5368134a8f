import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { invalidRequest } from '../../domain/app-error.ts';
import { toIso } from '../../domain/clock.ts';
import { parseDuration } from '../../domain/durations.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getEndpoint } from '../../services/endpoint-service.ts';
import { deliveryStats, type DeliveryStats } from '../../services/stats-service.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { timeParam, type RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams, Timestamp } from '../schemas/common.ts';

/** The default window: the last 24 hours. */
const DEFAULT_WINDOW_MS = 86_400_000;
const MINUTE_MS = 60_000;
const STATS_PARAMS = ['since', 'until', 'bucket'];

const Count = Type.Integer({ minimum: 0 });

const StatsQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ description: 'Start of the window, inclusive (ISO 8601); default until − 24 h rounded down to a whole minute (whole minutes are read from pre-aggregated rollups)' })),
    until: Type.Optional(Type.String({ description: 'End of the window, exclusive (ISO 8601); default now' })),
    bucket: Type.Optional(Type.String({
      description: 'Series bucket size (1m, 5m, 1h, 1d…); default: the smallest of 1m, 5m, 15m, 1h, 6h, 1d giving at most 120 points. At most 1,000 buckets.',
    })),
  },
  { additionalProperties: true },
);

export const Stats = Type.Object(
  {
    since: Timestamp,
    until: Timestamp,
    endpoint_id: Type.Union([Type.String(), Type.Null()], { description: 'The endpoint, or null for the whole workspace' }),
    deliveries: Type.Object(
      { queued: Count, delivering: Count, succeeded: Count, pending_retry: Count, failed_permanent: Count, total: Count },
      { description: 'Deliveries created in [since, until), by the status they have now' },
    ),
    success_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
      description: 'succeeded / (succeeded + failed_permanent) deliveries; null when none has finished',
    }),
    attempts: Type.Object({ total: Count, succeeded: Count, failed: Count }, { description: 'Log entries (HTTP attempts) started in [since, until)' }),
    latency_ms: Type.Union([
      Type.Object({ p50: Count, p95: Count, p99: Count, max: Count }),
      Type.Null(),
    ], { description: 'Attempt duration, nearest-rank percentiles (the value at rank ceil(p/100 · N) of the sorted durations); null when no attempt made an HTTP request' }),
    http_status_classes: Type.Record(Type.String(), Count, {
      description: 'Attempts by HTTP status class: "1xx"…"5xx" (always present) and "none" (no HTTP answer: refused, timed out, …)',
    }),
    error_codes: Type.Record(Type.String(), Count, { description: 'Failed attempts by error.code (TIMEOUT, HTTP_STATUS, …); only codes seen' }),
    series: Type.Object(
      {
        bucket_ms: Count,
        points: Type.Array(Type.Object({ start: Timestamp, succeeded: Count, failed: Count }), {
          description: 'Every bucket from since to until (empty ones as zeros), each [start, start + bucket_ms); the last may reach past until',
        }),
      },
      { description: 'Attempts over time, for charts' },
    ),
  },
  { $id: 'Stats' },
);

/** The report → the API's JSON shape. */
export function statsJson(stats: DeliveryStats) {
  return {
    since: toIso(stats.since),
    until: toIso(stats.until),
    endpoint_id: stats.endpointId,
    deliveries: stats.deliveries,
    success_rate: stats.successRate,
    attempts: stats.attempts,
    latency_ms: stats.latency,
    http_status_classes: stats.httpStatusClasses,
    error_codes: stats.byErrorCode,
    series: {
      bucket_ms: stats.bucketMs,
      points: stats.series.map((point) => ({ start: toIso(point.start), succeeded: point.succeeded, failed: point.failed })),
    },
  };
}

/** Reads `since`, `until` and `bucket`; anything else, or a parameter given twice, is a 400. */
function parseStatsQuery(query: RawQuery, now: number): { since: number; until: number; bucketMs?: number } {
  const values: Record<string, string> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    if (Array.isArray(raw)) throw invalidRequest(name, 'was given more than once');
    if (!STATS_PARAMS.includes(name)) throw invalidRequest(name, `is not a parameter of stats; known: ${STATS_PARAMS.join(', ')}`);
    values[name] = raw;
  }
  const until = timeParam('until', values.until) ?? now;
  // The default starts on a whole minute, so the series' buckets line up with the minute rollups.
  const since = timeParam('since', values.since) ?? Math.floor((until - DEFAULT_WINDOW_MS) / MINUTE_MS) * MINUTE_MS;
  if (since >= until) throw invalidRequest('since', 'must be before until');
  if (values.bucket === undefined) return { since, until };
  const bucketMs = parseDuration(values.bucket);
  if (bucketMs === null || bucketMs < 1) throw invalidRequest('bucket', 'must be a positive duration such as 1m, 5m, 1h or 1d');
  return { since, until, bucketMs };
}

/** `/v1/stats` and `/v1/endpoints/{id}/stats`: counts, success rate, latency and a series for charts. */
export function statsRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireWorkspace(ctx) };
  const tags = ['Stats'];

  const report = async (request: FastifyRequest<{ Querystring: RawQuery }>, endpointId?: string) => {
    const window = parseStatsQuery(request.query, ctx.clock.now());
    const stats = await deliveryStats(ctx, { workspaceId: workspaceOf(request), ...(endpointId !== undefined ? { endpointId } : {}), ...window });
    return statsJson(stats);
  };

  app.get<{ Querystring: RawQuery }>('/v1/stats', {
    ...auth,
    schema: { tags, summary: "The workspace's delivery stats over a window", querystring: StatsQuery, response: { 200: Stats, ...AuthErrors } },
  }, (request) => report(request));

  app.get<{ Querystring: RawQuery; Params: { id: string } }>('/v1/endpoints/:id/stats', {
    ...auth,
    schema: {
      tags, summary: "One endpoint's delivery stats over a window", params: IdParams('id', 'ep'), querystring: StatsQuery,
      response: { 200: Stats, ...AuthErrors, 404: ErrorResponse },
    },
  }, async (request) => {
    await getEndpoint(ctx, workspaceOf(request), request.params.id);
    return report(request, request.params.id);
  });
}
