import type { HttpStatusFilter, TimeRange } from '../list-query.ts';
import type { AttemptFilters, DeliveryFilters, EventFilters } from '../storage.ts';
import { WhereBuilder } from './where-builder.ts';

// Filters → WHERE clauses, shared by every SQL backend (placeholders are `?`).

function addTimeRange(where: WhereBuilder, range: TimeRange, column = 'created_at'): void {
  if (range.startTime !== undefined) where.add(`${column} >= ?`, range.startTime);
  if (range.endTime !== undefined) where.add(`${column} < ?`, range.endTime);
}

function addTags(where: WhereBuilder, workspaceId: string, tags: Record<string, string> | undefined, eventIdColumn: string): void {
  for (const [key, value] of Object.entries(tags ?? {})) {
    where.add(
      `${eventIdColumn} IN (SELECT event_id FROM event_tags WHERE workspace_id = ? AND key = ? AND value = ?)`,
      workspaceId,
      key,
      value,
    );
  }
}

function addHttpStatus(where: WhereBuilder, filter: HttpStatusFilter | undefined): void {
  if (!filter) return;
  // 0 stands for "no response" in storage; any status filter asks for a response.
  where.add('http_status > 0');
  // `http_status=2xx,410`: exact codes and classes form one OR list.
  const anyOf: string[] = [];
  const anyOfParams: number[] = [];
  if (filter.exact?.length) {
    anyOf.push(`http_status IN (${filter.exact.map(() => '?').join(', ')})`);
    anyOfParams.push(...filter.exact);
  }
  for (const klass of filter.classes ?? []) {
    anyOf.push('(http_status >= ? AND http_status < ?)');
    anyOfParams.push(klass * 100, klass * 100 + 100);
  }
  if (anyOf.length > 0) where.add(`(${anyOf.join(' OR ')})`, ...anyOfParams);
  if (filter.gte !== undefined) where.add('http_status >= ?', filter.gte);
  if (filter.gt !== undefined) where.add('http_status > ?', filter.gt);
  if (filter.lte !== undefined) where.add('http_status <= ?', filter.lte);
  if (filter.lt !== undefined) where.add('http_status < ?', filter.lt);
}

/** WHERE for `GET /v1/events`. */
export function eventWhere(filters: EventFilters): WhereBuilder {
  const where = new WhereBuilder().add('workspace_id = ?', filters.workspaceId);
  where.addIn('type', filters.types);
  addTimeRange(where, filters);
  addTags(where, filters.workspaceId, filters.tags, 'id');
  return where;
}

/** WHERE for `GET /v1/deliveries`. */
export function deliveryWhere(filters: DeliveryFilters): WhereBuilder {
  const where = new WhereBuilder().add('workspace_id = ?', filters.workspaceId);
  if (filters.endpointId !== undefined) where.add('endpoint_id = ?', filters.endpointId);
  if (filters.eventId !== undefined) where.add('event_id = ?', filters.eventId);
  where.addIn('event_type', filters.eventTypes);
  where.addIn('status', filters.statuses);
  addTimeRange(where, filters);
  addTags(where, filters.workspaceId, filters.tags, 'event_id');
  return where;
}

/** How a backend turns `search=` text into a clause over the attempts table (its own text index). */
export type SearchClause = (text: string) => { sql: string; params: Array<string | number> };

/** WHERE for `GET /v1/logs`. */
export function attemptWhere(filters: AttemptFilters, search?: SearchClause): WhereBuilder {
  const where = new WhereBuilder().add('workspace_id = ?', filters.workspaceId);
  if (filters.endpointId !== undefined) where.add('endpoint_id = ?', filters.endpointId);
  if (filters.deliveryId !== undefined) where.add('delivery_id = ?', filters.deliveryId);
  if (filters.eventId !== undefined) where.add('event_id = ?', filters.eventId);
  where.addIn('event_type', filters.eventTypes);
  if (filters.status !== undefined) where.add('status = ?', filters.status);
  addHttpStatus(where, filters.httpStatus);
  where.addIn('http_method', filters.httpMethods);
  if (filters.trigger !== undefined) where.add('trigger = ?', filters.trigger);
  where.addIn('attempt', filters.attempts);
  addTimeRange(where, filters);
  addTags(where, filters.workspaceId, filters.tags, 'event_id');
  if (filters.search !== undefined) {
    if (!search) throw new Error('this storage backend has no text search');
    const clause = search(filters.search);
    where.add(clause.sql, ...clause.params);
  }
  return where;
}
