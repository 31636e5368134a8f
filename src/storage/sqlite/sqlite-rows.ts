import type { DeliveryErrorCode } from '../../domain/delivery-error.ts';
import type { AttemptStatus, AttemptTrigger, DeliveryStatus, EndpointMethod } from '../../domain/statuses.ts';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord, WorkspaceRecord } from '../records.ts';
import type { SqlRow, SqlValue } from './sqlite-database.ts';

// Rows as SQLite stores them ↔ the records the rest of Herald uses. Only this file knows the columns' encodings.

const text = (value: SqlValue | undefined): string => String(value ?? '');
const textOrNull = (value: SqlValue | undefined): string | null => (value === null || value === undefined ? null : String(value));
const num = (value: SqlValue | undefined): number => Number(value ?? 0);
const numOrNull = (value: SqlValue | undefined): number | null => (value === null || value === undefined ? null : Number(value));
const json = <T>(value: SqlValue | undefined): T => JSON.parse(text(value)) as T;

export function toWorkspace(row: SqlRow): WorkspaceRecord {
  return { id: text(row.id), name: text(row.name), createdAt: num(row.created_at) };
}

export const ENDPOINT_COLUMNS =
  'id, workspace_id, url, description, event_types, method, headers, secret, previous_secret, previous_secret_expires_at, enabled, disabled_reason, timeout_ms, max_attempts, rate_limit_per_s, metadata, created_at, updated_at';

export function toEndpoint(row: SqlRow): EndpointRecord {
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
    enabled: num(row.enabled) === 1,
    disabledReason: textOrNull(row.disabled_reason),
    timeoutMs: num(row.timeout_ms),
    maxAttempts: num(row.max_attempts),
    rateLimitPerS: numOrNull(row.rate_limit_per_s),
    metadata: json<Record<string, unknown>>(row.metadata),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** Column name → value for an endpoint insert or update. */
export function endpointValues(endpoint: Partial<EndpointRecord>): Record<string, SqlValue> {
  const values: Record<string, SqlValue | undefined> = {
    url: endpoint.url,
    description: endpoint.description,
    event_types: endpoint.eventTypes === undefined ? undefined : endpoint.eventTypes === null ? null : JSON.stringify(endpoint.eventTypes),
    method: endpoint.method,
    headers: endpoint.headers === undefined ? undefined : JSON.stringify(endpoint.headers),
    secret: endpoint.secret,
    previous_secret: endpoint.previousSecret,
    previous_secret_expires_at: endpoint.previousSecretExpiresAt,
    enabled: endpoint.enabled === undefined ? undefined : endpoint.enabled ? 1 : 0,
    disabled_reason: endpoint.disabledReason,
    timeout_ms: endpoint.timeoutMs,
    max_attempts: endpoint.maxAttempts,
    rate_limit_per_s: endpoint.rateLimitPerS,
    metadata: endpoint.metadata === undefined ? undefined : JSON.stringify(endpoint.metadata),
    updated_at: endpoint.updatedAt,
  };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Record<string, SqlValue>;
}

export function toEvent(row: SqlRow): EventRecord {
  return {
    id: text(row.id),
    workspaceId: text(row.workspace_id),
    type: text(row.type),
    payload: text(row.payload),
    tags: json<Record<string, string>>(row.tags),
    createdAt: num(row.created_at),
  };
}

export function toDelivery(row: SqlRow): DeliveryRecord {
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

export const ATTEMPT_COLUMNS =
  'id, workspace_id, delivery_id, event_id, endpoint_id, endpoint_url, event_type, attempt, trigger, status, http_method, http_status, error_code, error_message, duration_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, will_retry, next_attempt_at, tags, created_at, completed_at';

export function toAttempt(row: SqlRow): AttemptRecord {
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
    willRetry: num(row.will_retry) === 1,
    nextAttemptAt: numOrNull(row.next_attempt_at),
    tags: json<Record<string, string>>(row.tags),
    createdAt: num(row.created_at),
    completedAt: num(row.completed_at),
  };
}

/** The attempts row's values, in ATTEMPT_COLUMNS order. */
export function attemptValues(a: AttemptRecord): SqlValue[] {
  return [
    a.id, a.workspaceId, a.deliveryId, a.eventId, a.endpointId, a.endpointUrl, a.eventType, a.attempt, a.trigger, a.status,
    a.httpMethod, a.httpStatus ?? 0, a.error?.code ?? null, a.error?.message ?? null, a.durationMs,
    a.timings.dnsMs, a.timings.connectMs, a.timings.tlsMs, a.timings.ttfbMs, a.willRetry ? 1 : 0, a.nextAttemptAt,
    JSON.stringify(a.tags), a.createdAt, a.completedAt,
  ];
}
