import type { LogEntry } from '../client/index.ts';
import { httpStatusStyle, logStatusStyle, type Palette } from './colour.ts';
import type { Column } from './table.ts';
import { formatMs, orDash } from './output.ts';

/** The columns of a log table (`logs list`). */
export const LOG_COLUMNS: Column[] = [
  { header: 'id' },
  { header: 'created' },
  { header: 'status' },
  { header: 'http', right: true },
  { header: 'duration', right: true },
  { header: 'try', right: true },
  { header: 'event type', maxWidth: 32 },
  { header: 'endpoint', maxWidth: 48 },
  { header: 'error', maxWidth: 40 },
];

type PartialEntry = Partial<LogEntry> & { id: string };

/** One log entry as a table row, status and HTTP status coloured when the palette allows. */
export function logRow(entry: PartialEntry, palette: Palette): string[] {
  return [
    entry.id,
    orDash(entry.created_at),
    statusText(entry, palette),
    entry.http_status === undefined ? '—' : palette.paint(httpStatusStyle(entry.http_status), orDash(entry.http_status)),
    entry.duration_ms === undefined ? '—' : formatMs(entry.duration_ms),
    orDash(entry.attempt),
    orDash(entry.event_type),
    orDash(entry.endpoint_url),
    entry.error ? `${entry.error.code}: ${entry.error.message}` : '',
  ];
}

/** One line of the live tail: time, status, HTTP status, duration, attempt, type, URL, id. */
export function tailLine(entry: LogEntry, palette: Palette): string {
  const time = entry.created_at.slice(11, 23);
  const status = palette.paint(logStatusStyle(entry), statusLabel(entry).padEnd(16));
  const http = palette.paint(httpStatusStyle(entry.http_status), orDash(entry.http_status).padStart(3));
  const error = entry.error ? `  ${entry.error.code}` : '';
  return `${time}  ${status}  ${http}  ${formatMs(entry.duration_ms).padStart(8)}  #${entry.attempt}  ${entry.event_type}  ${entry.endpoint_url}  ${entry.id}${error}\n`;
}

function statusText(entry: PartialEntry, palette: Palette): string {
  if (entry.status === undefined) return '—';
  return palette.paint(logStatusStyle({ status: entry.status, will_retry: entry.will_retry ?? false }), statusLabel(entry));
}

function statusLabel(entry: { status?: string; will_retry?: boolean }): string {
  return entry.status === 'failed' && entry.will_retry ? 'failed, retrying' : (entry.status ?? '—');
}
