import { endpointValues as sharedEndpointValues } from '../sql/columns.ts';
import type { AttemptRecord, EndpointRecord } from '../records.ts';
import type { SqlValue } from './sqlite-database.ts';

export { ENDPOINT_COLUMNS } from '../sql/columns.ts';
export { toAttempt, toDelivery, toEndpoint, toEvent, toWorkspace } from '../sql/row-readers.ts';

// Records → the values SQLite stores (booleans as 0/1, JSON as text); reading rows back is shared by
// every SQL backend (../sql/row-readers.ts).

/** Column name → value for an endpoint insert or update, booleans as 0/1. */
export function endpointValues(endpoint: Partial<EndpointRecord>): Record<string, SqlValue> {
  return sharedEndpointValues(endpoint, (value) => (value ? 1 : 0));
}

export const ATTEMPT_COLUMNS =
  'id, workspace_id, delivery_id, event_id, endpoint_id, endpoint_url, event_type, attempt, trigger, status, http_method, http_status, error_code, error_message, duration_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, will_retry, next_attempt_at, tags, created_at, completed_at';

/** The attempts row's values, in ATTEMPT_COLUMNS order. */
export function attemptValues(a: AttemptRecord): SqlValue[] {
  return [
    a.id, a.workspaceId, a.deliveryId, a.eventId, a.endpointId, a.endpointUrl, a.eventType, a.attempt, a.trigger, a.status,
    a.httpMethod, a.httpStatus ?? 0, a.error?.code ?? null, a.error?.message ?? null, a.durationMs,
    a.timings.dnsMs, a.timings.connectMs, a.timings.tlsMs, a.timings.ttfbMs, a.willRetry ? 1 : 0, a.nextAttemptAt,
    JSON.stringify(a.tags), a.createdAt, a.completedAt,
  ];
}
