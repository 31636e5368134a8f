import type { DeliveryErrorCode } from '../../domain/delivery-error.ts';
import type { AttemptStatus, AttemptTrigger, DeliveryStatus, EndpointMethod } from '../../domain/statuses.ts';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord, WorkspaceRecord } from '../records.ts';
import type { EndpointRoute } from '../storage.ts';

// Rows → the records the rest of Herald uses, for every SQL backend: times are epoch-ms numbers, JSON
// columns text, and a boolean is `true` (PostgreSQL) or `1` (SQLite). Each backend writes its own values.

/** One row as a driver returns it. */
export type Row = Record<string, unknown>;

const text = (value: unknown): string => String(value ?? '');
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const num = (value: unknown): number => Number(value ?? 0);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const bool = (value: unknown): boolean => value === true || value === 1;
const json = <T>(value: unknown): T => JSON.parse(text(value)) as T;

export function toWorkspace(row: Row): WorkspaceRecord {
  return { id: text(row.id), name: text(row.name), createdAt: num(row.created_at) };
}

/** `id, url, event_types` → what fan-out needs of an endpoint. */
export function toEndpointRoute(row: Row): EndpointRoute {
  return { id: text(row.id), url: text(row.url), eventTypes: row.event_types === null ? null : json<string[]>(row.event_types) };
}

export function toEndpoint(row: Row): EndpointRecord {
  return {
    id: text(row.id),
    workspaceId: text(row.workspace_id),
    url: text(row.url),
    description: textOrNull(row.description),
    eventTypes: row.event_types === null ? null : json<string[]>(row.event_types),
    method: text(row.method) as EndpointMethod,
    headers: json<Record<string, string>>(row.headers),
    secret: text(row.secret),
    previousSecret: textOrNull(row.previous_secret),
    previousSecretExpiresAt: numOrNull(row.previous_secret_expires_at),
    enabled: bool(row.enabled),
    disabledReason: textOrNull(row.disabled_reason),
    timeoutMs: num(row.timeout_ms),
    maxAttempts: num(row.max_attempts),
    rateLimitPerS: numOrNull(row.rate_limit_per_s),
    metadata: json<Record<string, unknown>>(row.metadata),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toEvent(row: Row): EventRecord {
  return {
    id: text(row.id),
    workspaceId: text(row.workspace_id),
    type: text(row.type),
    payload: text(row.payload),
    tags: json<Record<string, string>>(row.tags),
    createdAt: num(row.created_at),
  };
}

export function toDelivery(row: Row): DeliveryRecord {
  const code = textOrNull(row.last_error_code);
  return {
    id: text(row.id),
    workspaceId: text(row.workspace_id),
    eventId: text(row.event_id),
    endpointId: text(row.endpoint_id),
    endpointUrl: text(row.endpoint_url),
    eventType: text(row.event_type),
    status: text(row.status) as DeliveryStatus,
    attemptCount: num(row.attempt_count),
    runAt: numOrNull(row.run_at),
    nextTrigger: text(row.next_trigger) as AttemptTrigger,
    createdAt: num(row.created_at),
    deliveredAt: numOrNull(row.delivered_at),
    responseStatus: numOrNull(row.response_status),
    responseLatencyMs: numOrNull(row.response_latency_ms),
    lastError: code === null ? null : { code: code as DeliveryErrorCode, message: text(row.last_error_message) },
    tags: json<Record<string, string>>(row.tags),
  };
}

export function toAttempt(row: Row): AttemptRecord {
  const code = textOrNull(row.error_code);
  const httpStatus = num(row.http_status);
  return {
    id: text(row.id),
    workspaceId: text(row.workspace_id),
    deliveryId: text(row.delivery_id),
    eventId: text(row.event_id),
    endpointId: text(row.endpoint_id),
    endpointUrl: text(row.endpoint_url),
    eventType: text(row.event_type),
    attempt: num(row.attempt),
    trigger: text(row.trigger) as AttemptTrigger,
    status: text(row.status) as AttemptStatus,
    httpMethod: text(row.http_method),
    httpStatus: httpStatus === 0 ? null : httpStatus,
    error: code === null ? null : { code: code as DeliveryErrorCode, message: text(row.error_message) },
    durationMs: num(row.duration_ms),
    timings: {
      dnsMs: numOrNull(row.dns_ms),
      connectMs: numOrNull(row.connect_ms),
      tlsMs: numOrNull(row.tls_ms),
      ttfbMs: numOrNull(row.ttfb_ms),
    },
    willRetry: bool(row.will_retry),
    nextAttemptAt: numOrNull(row.next_attempt_at),
    tags: json<Record<string, string>>(row.tags),
    createdAt: num(row.created_at),
    completedAt: num(row.completed_at),
  };
}
