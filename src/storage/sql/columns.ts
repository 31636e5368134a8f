import type { EndpointRecord } from '../records.ts';
import type { AttemptSortField, DeliverySortField, EndpointSortField } from '../storage.ts';

// Column lists, sortable columns and endpoint values, the same for every SQL backend.

/**
 * Deliveries not finished: due, waiting for a retry, or leased to an attempt (an ended lease is due
 * again). The predicate of both backends' partial `deliveries_due` index, so queries use it as it stands.
 */
export const UNFINISHED_DELIVERY = `status IN ('queued', 'pending_retry', 'delivering')`;

export const ENDPOINT_COLUMNS =
  'id, workspace_id, url, description, event_types, method, headers, secret, previous_secret, previous_secret_expires_at, enabled, disabled_reason, timeout_ms, max_attempts, rate_limit_per_s, metadata, created_at, updated_at';

/** Sort field → column, per list. */
export const CREATED_SORT = { created_at: 'created_at' } as const;
export const ENDPOINT_SORT: Record<EndpointSortField, string> = { created_at: 'created_at', updated_at: 'updated_at' };
export const DELIVERY_SORT: Record<DeliverySortField, string> = { created_at: 'created_at', attempt_count: 'attempt_count' };
export const ATTEMPT_SORT: Record<AttemptSortField, string> = {
  created_at: 'created_at',
  duration_ms: 'duration_ms',
  http_status: 'http_status',
  attempt: 'attempt',
};

/**
 * Column name → value for an endpoint insert or update, only the fields present. JSON columns are
 * text; `bool` writes a boolean the backend's way (SQLite 0/1, PostgreSQL true/false).
 */
export function endpointValues<B>(endpoint: Partial<EndpointRecord>, bool: (value: boolean) => B): Record<string, string | number | B | null> {
  const values: Record<string, string | number | B | null | undefined> = {
    url: endpoint.url,
    description: endpoint.description,
    event_types: endpoint.eventTypes === undefined ? undefined : endpoint.eventTypes === null ? null : JSON.stringify(endpoint.eventTypes),
    method: endpoint.method,
    headers: endpoint.headers === undefined ? undefined : JSON.stringify(endpoint.headers),
    secret: endpoint.secret,
    previous_secret: endpoint.previousSecret,
    previous_secret_expires_at: endpoint.previousSecretExpiresAt,
    enabled: endpoint.enabled === undefined ? undefined : bool(endpoint.enabled),
    disabled_reason: endpoint.disabledReason,
    timeout_ms: endpoint.timeoutMs,
    max_attempts: endpoint.maxAttempts,
    rate_limit_per_s: endpoint.rateLimitPerS,
    metadata: endpoint.metadata === undefined ? undefined : JSON.stringify(endpoint.metadata),
    updated_at: endpoint.updatedAt,
  };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Record<string, string | number | B | null>;
}
