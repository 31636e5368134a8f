import { toIso } from '../domain/clock.ts';
import type { AttemptDetail, AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord, WorkspaceRecord } from '../storage/records.ts';
import type { PageMeta } from '../services/paginate.ts';

// Records → the API's JSON shapes (API.md). The only place that knows both.

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : toIso(ms));

export function workspaceJson(w: WorkspaceRecord) {
  return { id: w.id, name: w.name, created_at: toIso(w.createdAt) };
}

export function endpointJson(e: EndpointRecord) {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    method: e.method,
    headers: e.headers,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    timeout_ms: e.timeoutMs,
    max_attempts: e.maxAttempts,
    rate_limit_per_s: e.rateLimitPerS,
    metadata: e.metadata,
    created_at: toIso(e.createdAt),
    updated_at: toIso(e.updatedAt),
  };
}

export function eventJson(e: EventRecord) {
  return { id: e.id, type: e.type, payload: JSON.parse(e.payload) as unknown, tags: e.tags, created_at: toIso(e.createdAt) };
}

export function deliveryJson(d: DeliveryRecord) {
  const waiting = d.status === 'queued' || d.status === 'pending_retry';
  return {
    id: d.id,
    event_id: d.eventId,
    endpoint_id: d.endpointId,
    endpoint_url: d.endpointUrl,
    event_type: d.eventType,
    status: d.status,
    attempt_count: d.attemptCount,
    created_at: toIso(d.createdAt),
    delivered_at: isoOrNull(d.deliveredAt),
    next_attempt_at: waiting ? isoOrNull(d.runAt) : null,
    response_status: d.responseStatus,
    response_latency_ms: d.responseLatencyMs,
    last_error: d.lastError,
    tags: d.tags,
  };
}

export function logJson(a: AttemptRecord) {
  return {
    id: a.id,
    delivery_id: a.deliveryId,
    event_id: a.eventId,
    endpoint_id: a.endpointId,
    endpoint_url: a.endpointUrl,
    event_type: a.eventType,
    attempt: a.attempt,
    trigger: a.trigger,
    status: a.status,
    http_method: a.httpMethod,
    http_status: a.httpStatus,
    error: a.error,
    duration_ms: a.durationMs,
    timings: { dns_ms: a.timings.dnsMs, connect_ms: a.timings.connectMs, tls_ms: a.timings.tlsMs, ttfb_ms: a.timings.ttfbMs },
    will_retry: a.willRetry,
    next_attempt_at: isoOrNull(a.nextAttemptAt),
    tags: a.tags,
    created_at: toIso(a.createdAt),
    completed_at: toIso(a.completedAt),
  };
}

/** A log entry with what was sent (signatures redacted) and what came back. */
export function logDetailJson(a: AttemptRecord, detail: AttemptDetail | null, payload: string | null) {
  return {
    ...logJson(a),
    request: { url: a.endpointUrl, headers: detail?.requestHeaders ?? {}, body: payload },
    response: {
      headers: detail?.responseHeaders ?? {},
      body: detail ? detail.responseBody : null,
      body_truncated: detail?.responseBodyTruncated ?? false,
    },
  };
}

/** `meta` of a list answer. */
export function listMeta(meta: PageMeta, requestId: string) {
  return {
    request_id: requestId,
    has_more: meta.hasMore,
    next_cursor: meta.nextCursor,
    ...(meta.total !== undefined ? { total: meta.total } : {}),
    ...(meta.page !== undefined ? { page: meta.page, page_size: meta.pageSize, pages: meta.pages } : {}),
  };
}

/** Keeps only the asked-for fields (`id` always), for `fields=`. */
export function pickFields<T extends { id: string }>(row: T, fields: readonly string[] | null): Partial<T> {
  if (fields === null) return row;
  const picked: Record<string, unknown> = { id: row.id };
  for (const field of fields) if (field in row) picked[field] = (row as Record<string, unknown>)[field];
  return picked as Partial<T>;
}
