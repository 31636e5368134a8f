import { AppError } from '../domain/app-error.ts';
import type { DeliveryRecord, EventRecord } from '../storage/records.ts';
import type { EventFilters, EventSortField } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { paginate, type ListParams } from './paginate.ts';

/**
 * `GET /v1/events`: each event with its fan-out. Events that matched no endpoint are listed too,
 * with no deliveries: nothing accepted disappears silently.
 */
export async function listEvents(ctx: ServiceContext, filters: EventFilters, params: ListParams<EventSortField>) {
  const page = await paginate(ctx.cursors, params, {
    scope: 'events',
    filters,
    read: (window) => ctx.storage.listEvents(filters, window),
    count: () => ctx.storage.countEvents(filters),
    sortValue: (row) => row.createdAt,
    id: (row) => row.id,
  });
  const byEvent = new Map<string, DeliveryRecord[]>(page.rows.map((event) => [event.id, []]));
  for (const delivery of await ctx.storage.listDeliveriesOfEvents(filters.workspaceId, page.rows.map((event) => event.id))) {
    byEvent.get(delivery.eventId)?.push(delivery);
  }
  return { rows: page.rows.map((event) => ({ event, deliveries: byEvent.get(event.id) ?? [] })), meta: page.meta };
}

/** One event with its fan-out: every delivery it created and where each stands. */
export async function getEvent(ctx: ServiceContext, workspaceId: string, id: string): Promise<{ event: EventRecord; deliveries: DeliveryRecord[] }> {
  const event = await ctx.storage.getEvent(workspaceId, id);
  if (!event) throw new AppError('EVENT_NOT_FOUND', `no event ${id} in this workspace`);
  return { event, deliveries: await ctx.storage.listDeliveriesOfEvents(workspaceId, [id]) };
}
