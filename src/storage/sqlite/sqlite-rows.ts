import type { AttemptRecord, EndpointRecord } from '../records.ts';
import type { SqlValue } from './sqlite-database.ts';

export { toAttempt, toDelivery, toEndpoint, toEvent, toWorkspace } from '../sql/row-readers.ts';

// Records → the values SQLite stores (booleans as 0/1, JSON as text); reading rows back is shared by
// every SQL backend (../sql/row-readers.ts).

export const ENDPOINT_COLUMNS =
  'id, workspace_id, url, description, event_types, method, headers, secret, previous_secret, previous_secret_expires_at, enabled, disabled_reason, timeout_ms, max_attempts, rate_limit_per_s, metadata, created_at, updated_at';

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
