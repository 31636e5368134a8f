import { endpointValues as sharedEndpointValues } from '../sql/columns.ts';
import type { AttemptDetail, AttemptRecord, EndpointRecord } from '../records.ts';
import type { PgRow, SqlParam } from './postgres-database.ts';

export { ENDPOINT_COLUMNS } from '../sql/columns.ts';
export { toAttempt, toDelivery, toEndpoint, toEvent, toWorkspace } from '../sql/row-readers.ts';

// Records → the values PostgreSQL stores (bigint and numeric arrive back as numbers through the pool's
// type parsers, booleans as booleans, JSON as text); reading the main rows back is shared by every SQL
// backend (../sql/row-readers.ts).

const text = (value: unknown): string => String(value ?? '');
const json = <T>(value: unknown): T => JSON.parse(text(value)) as T;

/** Column name → value for an endpoint insert or update, booleans as booleans. */
export function endpointValues(endpoint: Partial<EndpointRecord>): Record<string, SqlParam> {
  return sharedEndpointValues(endpoint, (value) => value);
}

export const DELIVERY_COLUMNS =
  'id, workspace_id, event_id, endpoint_id, endpoint_url, event_type, status, attempt_count, run_at, next_trigger, created_at, delivered_at, response_status, response_latency_ms, last_error_code, last_error_message, tags';

/** The attempts columns a log entry is read from and written to, in `attemptColumns()` order. */
export const ATTEMPT_COLUMN_LIST = [
  'id', 'workspace_id', 'delivery_id', 'event_id', 'endpoint_id', 'endpoint_url', 'event_type', 'attempt', 'trigger', 'status',
  'http_method', 'http_status', 'error_code', 'error_message', 'duration_ms', 'dns_ms', 'connect_ms', 'tls_ms', 'ttfb_ms',
  'will_retry', 'next_attempt_at', 'tags', 'created_at', 'completed_at',
] as const;

export const ATTEMPT_COLUMNS = ATTEMPT_COLUMN_LIST.join(', ');

/** PostgreSQL types of ATTEMPT_COLUMN_LIST, for `unnest(?::type[], …)` inserts. */
export const ATTEMPT_COLUMN_TYPES: Record<(typeof ATTEMPT_COLUMN_LIST)[number], string> = {
  id: 'text', workspace_id: 'text', delivery_id: 'text', event_id: 'text', endpoint_id: 'text', endpoint_url: 'text', event_type: 'text',
  attempt: 'integer', trigger: 'text', status: 'text', http_method: 'text', http_status: 'integer', error_code: 'text', error_message: 'text',
  duration_ms: 'integer', dns_ms: 'integer', connect_ms: 'integer', tls_ms: 'integer', ttfb_ms: 'integer', will_retry: 'boolean',
  next_attempt_at: 'bigint', tags: 'text', created_at: 'bigint', completed_at: 'bigint',
};

/** The attempts row's values, in ATTEMPT_COLUMN_LIST order. */
export function attemptValues(a: AttemptRecord): Array<string | number | boolean | null> {
  return [
    a.id, a.workspaceId, a.deliveryId, a.eventId, a.endpointId, a.endpointUrl, a.eventType, a.attempt, a.trigger, a.status,
    a.httpMethod, a.httpStatus ?? 0, a.error?.code ?? null, a.error?.message ?? null, a.durationMs,
    a.timings.dnsMs, a.timings.connectMs, a.timings.tlsMs, a.timings.ttfbMs, a.willRetry, a.nextAttemptAt,
    JSON.stringify(a.tags), a.createdAt, a.completedAt,
  ];
}

export function toAttemptDetail(row: PgRow): AttemptDetail {
  return {
    requestHeaders: json<Record<string, string>>(row.request_headers),
    responseHeaders: json<Record<string, string>>(row.response_headers),
    responseBody: text(row.response_body),
    responseBodyTruncated: row.response_body_truncated === true,
  };
}

/**
 * Rows → one array per column, for `INSERT … SELECT * FROM unnest(?::t1[], ?::t2[], …)`: one
 * statement and one fixed SQL text however many rows.
 */
export function columnsOf(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>, width: number): Array<Array<string | number | boolean | null>> {
  const columns: Array<Array<string | number | boolean | null>> = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((value, index) => columns[index]!.push(value));
  return columns;
}
