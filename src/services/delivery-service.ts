import { AppError } from '../domain/app-error.ts';
import type { AttemptRecord, DeliveryRecord } from '../storage/records.ts';
import type { DeliveryFilters, DeliverySortField } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { paginate, type ListParams } from './paginate.ts';

export async function listDeliveries(ctx: ServiceContext, filters: DeliveryFilters, params: ListParams<DeliverySortField>) {
  return paginate(ctx.cursors, params, {
    scope: 'deliveries',
    filters,
    read: (window) => ctx.storage.listDeliveries(filters, window),
    count: () => ctx.storage.countDeliveries(filters),
    sortValue: (row, field) => (field === 'attempt_count' ? row.attemptCount : row.createdAt),
    id: (row) => row.id,
  });
}

/** One delivery with every attempt made for it. */
export async function getDelivery(ctx: ServiceContext, workspaceId: string, id: string): Promise<{ delivery: DeliveryRecord; attempts: AttemptRecord[] }> {
  const delivery = await ctx.storage.getDelivery(workspaceId, id);
  if (!delivery) throw new AppError('DELIVERY_NOT_FOUND', `no delivery ${id} in this workspace`);
  return { delivery, attempts: await ctx.storage.listAttemptsOfDelivery(workspaceId, id) };
}

/**
 * Queues a manual attempt of a delivery, whatever its status: now, or right after the attempt in
 * flight. Refused while its endpoint is disabled or deleted, since the attempt could only fail.
 */
export async function retryDelivery(ctx: ServiceContext, workspaceId: string, id: string): Promise<DeliveryRecord> {
  const delivery = await ctx.storage.getDelivery(workspaceId, id);
  if (!delivery) throw new AppError('DELIVERY_NOT_FOUND', `no delivery ${id} in this workspace`);
  const endpoint = await ctx.storage.getEndpoint(workspaceId, delivery.endpointId);
  if (!endpoint) throw new AppError('CONFLICT', `endpoint ${delivery.endpointId} was deleted; this delivery cannot be retried`);
  if (!endpoint.enabled) {
    throw new AppError('CONFLICT', `endpoint ${endpoint.id} is disabled (${endpoint.disabledReason ?? 'no reason given'}); enable it, then retry`);
  }
  const result = await ctx.storage.requestRetry(workspaceId, id, ctx.clock.now());
  if (result.kind === 'not_found') throw new AppError('DELIVERY_NOT_FOUND', `no delivery ${id} in this workspace`);
  ctx.wakeWorkers();
  return result.delivery;
}
