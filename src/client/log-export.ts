import type { HeraldClient } from './index.ts';
import { unwrap } from './api-error.ts';
import type { LogFilters } from './stream-logs.ts';

/** What `GET /v1/logs/export` writes: one JSON entry per line, or RFC 4180 CSV with a header row. */
export type LogExportFormat = 'ndjson' | 'csv';

/** What {@link exportLogs} exports, and in which format. */
export interface LogExportOptions {
  format?: LogExportFormat;
  /** Any log filter, plus `sort` and `fields`; paging does not apply to an export. */
  filters?: Omit<LogFilters, 'limit' | 'cursor' | 'page' | 'page_size' | 'count'>;
  signal?: AbortSignal;
}

/**
 * Starts `GET /v1/logs/export` and returns its body as a byte stream, read as it arrives (Herald
 * reads the log in pages as the client reads, so memory stays flat on both sides). Throws
 * {@link HeraldApiError} when the API refuses the export (a bad filter, say).
 */
export async function exportLogs(client: HeraldClient, options: LogExportOptions = {}): Promise<ReadableStream<Uint8Array>> {
  const body = unwrap(await client.GET('/v1/logs/export', {
    params: { query: { ...options.filters, format: options.format ?? 'ndjson' } },
    parseAs: 'stream',
    ...(options.signal ? { signal: options.signal } : {}),
  })) as ReadableStream<Uint8Array> | null;
  return body ?? new ReadableStream({ start: (controller) => controller.close() });
}
