import { AppError } from '../domain/app-error.ts';
import type { AttemptFilters } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { getEndpoint } from './endpoint-service.ts';
import { attemptSortValue } from './log-service.ts';

/** Rows re-queued or read per batch, so a recovery of millions never holds a long transaction. */
const BATCH = 1000;

/**
 * `POST /v1/endpoints/{id}/recover`: re-queues every `failed_permanent` delivery of the endpoint
 * created in [since, until), in batches (no cap on the window). Each gets one manual attempt.
 * Refused while the endpoint is disabled: enable it first, or every attempt would fail again.
 */
export async function recoverEndpoint(ctx: ServiceContext, workspaceId: string, endpointId: string, since: number, until: number): Promise<number> {
  const endpoint = await getEndpoint(ctx, workspaceId, endpointId);
  if (!endpoint.enabled) {
    throw new AppError('CONFLICT', `endpoint ${endpoint.id} is disabled (${endpoint.disabledReason ?? 'no reason given'}); enable it, then recover`);
  }
  let queued = 0;
  for (;;) {
    const batch = await ctx.storage.requeueFailedDeliveries(workspaceId, endpointId, since, until, BATCH, ctx.clock.now());
    queued += batch;
    if (batch > 0) ctx.wakeWorkers();
    if (batch < BATCH) return queued;
  }
}

/**
 * `POST /v1/logs/retry`: one manual attempt for every delivery that has an entry matching the log
 * filters. Deliveries whose endpoint is disabled or deleted are skipped and counted.
 */
export async function retryMatchingLogs(ctx: ServiceContext, filters: AttemptFilters): Promise<{ queued: number; skipped: number }> {
  const enabled = new Set((await ctx.storage.listEndpointRoutes(filters.workspaceId)).map((e) => e.id));
  const seen = new Set<string>();
  let queued = 0;
  let skipped = 0;
  const sort = [{ field: 'created_at' as const, descending: false }];
  let after: { values: Array<string | number | null>; id: string } | undefined;
  for (;;) {
    const page = await ctx.storage.listAttempts(filters, { sort, limit: BATCH, ...(after ? { after } : {}) });
    // One per delivery: a delivery's entries often share a page, so dedupe while walking it.
    const fresh = [];
    for (const row of page.rows) {
      if (seen.has(row.deliveryId)) continue;
      seen.add(row.deliveryId);
      fresh.push(row);
    }
    const ready = fresh.filter((row) => enabled.has(row.endpointId)).map((row) => row.deliveryId);
    skipped += fresh.length - ready.length;
    if (ready.length > 0) {
      queued += await ctx.storage.requestRetries(filters.workspaceId, ready, ctx.clock.now());
      ctx.wakeWorkers();
    }
    const last = page.rows.at(-1);
    if (!page.hasMore || !last) return { queued, skipped };
    after = { values: sort.map((key) => attemptSortValue(last, key.field)), id: last.id };
  }
}
