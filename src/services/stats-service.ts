import { invalidRequest } from '../domain/app-error.ts';
import { formatDuration } from '../domain/durations.ts';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../domain/statuses.ts';
import { LATENCY_PERCENTILES, percentile } from '../domain/percentile.ts';
import type { AttemptStatsRaw } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';

/** The bucket sizes a default is rounded up to: 1m, 5m, 15m, 1h, 6h, 1d. */
export const BUCKET_STEPS_MS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000] as const;
/** A default bucket gives the series at most this many points. */
export const TARGET_POINTS = 120;
/** A series may have at most this many points; more is a 400. */
export const MAX_POINTS = 1000;

const DAY_MS = 86_400_000;

/** One bucket of the series: attempts that started in `[start, start + bucketMs)`. */
export interface SeriesPoint {
  start: number;
  succeeded: number;
  failed: number;
}

/** Latency of the attempts that made an HTTP request, in ms. */
export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What `/stats` reports about a window, before it becomes JSON. */
export interface DeliveryStats {
  since: number;
  until: number;
  endpointId: string | null;
  /** Deliveries created in the window, by their status now. */
  deliveries: Record<DeliveryStatus, number> & { total: number };
  /** succeeded / (succeeded + failed_permanent) deliveries; null when none has finished. */
  successRate: number | null;
  attempts: { total: number; succeeded: number; failed: number };
  /** Null when no attempt in the window made an HTTP request. */
  latency: Latency | null;
  /** `1xx`…`5xx` (always present, maybe 0) and `none` for attempts without an HTTP answer. */
  httpStatusClasses: Record<string, number>;
  byErrorCode: Record<string, number>;
  bucketMs: number;
  /** Every bucket from `since` to `until`, empty ones as zeros. */
  series: SeriesPoint[];
}

/** The window and scope of a stats request; `bucketMs` omitted picks {@link defaultBucketMs}. */
export interface StatsRequest {
  workspaceId: string;
  endpointId?: string;
  since: number;
  until: number;
  bucketMs?: number;
}

/**
 * The bucket a series over `spanMs` gets by default: the smallest of 1m, 5m, 15m, 1h, 6h, 1d that
 * gives at most {@link TARGET_POINTS} points; past 120 days, the smallest whole number of days that does.
 */
export function defaultBucketMs(spanMs: number): number {
  const step = BUCKET_STEPS_MS.find((size) => Math.ceil(spanMs / size) <= TARGET_POINTS);
  return step ?? Math.ceil(spanMs / TARGET_POINTS / DAY_MS) * DAY_MS;
}

/** How many buckets of `bucketMs` cover `[since, until)`; the last one may reach past `until`. */
export function bucketCount(since: number, until: number, bucketMs: number): number {
  return Math.ceil((until - since) / bucketMs);
}

/** Every bucket from `since` to `until`, taking the counts of the (sparse) `points` given. */
export function fillSeries(since: number, until: number, bucketMs: number, points: ReadonlyArray<SeriesPoint>): SeriesPoint[] {
  const byStart = new Map(points.map((point) => [point.start, point]));
  return Array.from({ length: bucketCount(since, until, bucketMs) }, (_, index) => {
    const start = since + index * bucketMs;
    const found = byStart.get(start);
    return { start, succeeded: found?.succeeded ?? 0, failed: found?.failed ?? 0 };
  });
}

/** The bucket to use: the one asked for (checked), or the default for the window. */
export function resolveBucketMs(since: number, until: number, requested: number | undefined): number {
  const bucketMs = requested ?? defaultBucketMs(until - since);
  if (!Number.isInteger(bucketMs) || bucketMs < 1) throw invalidRequest('bucket', 'must be a positive duration such as 5m or 1h');
  const count = bucketCount(since, until, bucketMs);
  if (count > MAX_POINTS) {
    throw invalidRequest('bucket', `gives ${count} buckets over this window; at most ${MAX_POINTS} (try ${formatDuration(defaultBucketMs(until - since))})`);
  }
  return bucketMs;
}

/**
 * Counts, success rate, latency percentiles, status classes, error codes and a gap-free time
 * series of a workspace's log (or one endpoint's) over `[since, until)`. Attempts are counted by
 * when they started; deliveries by when they were created, with the status they have now.
 * Endpoint scope is not checked here: the caller has already found the endpoint.
 */
export async function deliveryStats(ctx: ServiceContext, request: StatsRequest): Promise<DeliveryStats> {
  const { workspaceId, endpointId, since, until } = request;
  if (since >= until) throw invalidRequest('since', 'must be before until');
  const bucketMs = resolveBucketMs(since, until, request.bucketMs);
  const raw = await ctx.storage.attemptStats({ workspaceId, ...(endpointId !== undefined ? { endpointId } : {}), since, until, bucketMs });
  return summarise(raw, { since, until, endpointId: endpointId ?? null, bucketMs });
}

/** Raw aggregates → the report; pure. */
export function summarise(raw: AttemptStatsRaw, window: { since: number; until: number; endpointId: string | null; bucketMs: number }): DeliveryStats {
  const deliveries = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, raw.deliveriesByStatus[status] ?? 0])) as Record<DeliveryStatus, number>;
  const finished = deliveries.succeeded + deliveries.failed_permanent;
  const series = fillSeries(
    window.since,
    window.until,
    window.bucketMs,
    raw.series.map((point) => ({ start: point.bucketStart, succeeded: point.succeeded, failed: point.failed })),
  );
  const succeeded = series.reduce((sum, point) => sum + point.succeeded, 0);
  const failed = series.reduce((sum, point) => sum + point.failed, 0);
  const [p50, p95, p99, max] = LATENCY_PERCENTILES.map((p) => percentile(raw.durations, p) ?? undefined);
  return {
    ...window,
    deliveries: { ...deliveries, total: Object.values(raw.deliveriesByStatus).reduce((sum, n) => sum + n, 0) },
    successRate: finished === 0 ? null : deliveries.succeeded / finished,
    attempts: { total: succeeded + failed, succeeded, failed },
    latency: p50 === undefined || p95 === undefined || p99 === undefined || max === undefined ? null : { p50, p95, p99, max },
    httpStatusClasses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, ...raw.byStatusClass },
    byErrorCode: raw.byErrorCode,
    series,
  };
}
