import { AppError } from '../domain/app-error.ts';
import type { AttemptDetail, AttemptRecord, EventRecord } from '../storage/records.ts';
import type { AttemptFilters, AttemptSortField } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { retryDelivery } from './delivery-service.ts';
import { paginate, type ListParams } from './paginate.ts';

/** `GET /v1/logs`: attempts, newest first by default, every filter combinable. */
export async function listLogs(ctx: ServiceContext, filters: AttemptFilters, params: ListParams<AttemptSortField>) {
  return paginate(ctx.cursors, params, {
    scope: 'logs',
    filters,
    read: (window) => ctx.storage.listAttempts(filters, window),
    count: () => ctx.storage.countAttempts(filters),
    sortValue: (row, field) => attemptSortValue(row, field),
    id: (row) => row.id,
  });
}

/** A log entry's value for a sort field, as storage compares it (no response sorts as status 0). */
export function attemptSortValue(row: AttemptRecord, field: AttemptSortField): number {
  switch (field) {
    case 'created_at':
      return row.createdAt;
    case 'duration_ms':
      return row.durationMs;
    case 'http_status':
      return row.httpStatus ?? 0;
    case 'attempt':
      return row.attempt;
  }
}

/** One log entry with what was sent and what came back. */
export async function getLog(
  ctx: ServiceContext,
  workspaceId: string,
  id: string,
): Promise<{ attempt: AttemptRecord; detail: AttemptDetail | null; event: EventRecord | null }> {
  const found = await ctx.storage.getAttempt(workspaceId, id);
  if (!found) throw new AppError('LOG_NOT_FOUND', `no log entry ${id} in this workspace`);
  return { ...found, event: await ctx.storage.getEvent(workspaceId, found.attempt.eventId) };
}

/** Retries the delivery a log entry belongs to; the new attempt becomes a new entry. */
export async function retryLog(ctx: ServiceContext, workspaceId: string, id: string) {
  const found = await ctx.storage.getAttempt(workspaceId, id);
  if (!found) throw new AppError('LOG_NOT_FOUND', `no log entry ${id} in this workspace`);
  return retryDelivery(ctx, workspaceId, found.attempt.deliveryId);
}
