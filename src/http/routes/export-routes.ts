import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { invalidRequest } from '../../domain/app-error.ts';
import type { ServiceContext } from '../../services/context.ts';
import { csvRecord, exportLogPages, type CsvValue } from '../../services/log-export.ts';
import type { AttemptRecord } from '../../storage/records.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { logJson, pickFields } from '../presenters.ts';
import { enumParam, type RawQuery } from '../query-parser.ts';
import { AuthErrors } from '../schemas/common.ts';
import { LogEntry } from '../schemas/resources.ts';
import { LogQuery, parseLogQuery } from './log-routes.ts';

const FORMATS = ['ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];
const CONTENT_TYPE: Record<Format, string> = { ndjson: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' };
/** Paging makes no sense for an export, which streams every matching entry. */
const PAGING_PARAMS = ['limit', 'cursor', 'page', 'page_size', 'count'];
/** Text gathered before it is handed to the stream: small enough to bound memory, big enough to keep yields few. */
const CHUNK_CHARS = 64 * 1024;

type Entry = ReturnType<typeof logJson>;

/** The CSV columns, each with the entry field it comes from (for `fields=`) and its value. */
const CSV_COLUMNS: Array<[column: string, field: keyof Entry, value: (entry: Entry) => CsvValue]> = [
  ['id', 'id', (e) => e.id],
  ['created_at', 'created_at', (e) => e.created_at],
  ['completed_at', 'completed_at', (e) => e.completed_at],
  ['delivery_id', 'delivery_id', (e) => e.delivery_id],
  ['event_id', 'event_id', (e) => e.event_id],
  ['endpoint_id', 'endpoint_id', (e) => e.endpoint_id],
  ['endpoint_url', 'endpoint_url', (e) => e.endpoint_url],
  ['event_type', 'event_type', (e) => e.event_type],
  ['attempt', 'attempt', (e) => e.attempt],
  ['trigger', 'trigger', (e) => e.trigger],
  ['status', 'status', (e) => e.status],
  ['http_method', 'http_method', (e) => e.http_method],
  ['http_status', 'http_status', (e) => e.http_status],
  ['error_code', 'error', (e) => e.error?.code ?? null],
  ['error_message', 'error', (e) => e.error?.message ?? null],
  ['duration_ms', 'duration_ms', (e) => e.duration_ms],
  ['dns_ms', 'timings', (e) => e.timings.dns_ms],
  ['connect_ms', 'timings', (e) => e.timings.connect_ms],
  ['tls_ms', 'timings', (e) => e.timings.tls_ms],
  ['ttfb_ms', 'timings', (e) => e.timings.ttfb_ms],
  ['will_retry', 'will_retry', (e) => e.will_retry],
  ['next_attempt_at', 'next_attempt_at', (e) => e.next_attempt_at],
  ['tags', 'tags', (e) => JSON.stringify(e.tags)],
];

const ExportQuery = Type.Object(
  {
    format: Type.Optional(Type.String({ description: 'ndjson (default) or csv' })),
    ...Object.fromEntries(Object.entries(LogQuery.properties).filter(([name]) => !PAGING_PARAMS.includes(name))),
  },
  { additionalProperties: true },
);

/** The text of an export: a CSV header (if CSV), then one line per entry, in chunks of about {@link CHUNK_CHARS}. */
async function* exportText(pages: AsyncIterable<AttemptRecord[]>, format: Format, fields: string[] | null): AsyncGenerator<string> {
  const columns = fields === null ? CSV_COLUMNS : CSV_COLUMNS.filter(([, field]) => field === 'id' || fields.includes(field));
  const line = format === 'csv'
    ? (entry: Entry) => csvRecord(columns.map(([, , value]) => value(entry)))
    : (entry: Entry) => `${JSON.stringify(pickFields(entry, fields))}\n`;
  let chunk = format === 'csv' ? csvRecord(columns.map(([column]) => column)) : '';
  for await (const rows of pages) {
    for (const row of rows) {
      chunk += line(logJson(row));
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk !== '') yield chunk;
}

/** `GET /v1/logs/export`: every matching log entry as NDJSON or CSV, streamed with back-pressure. */
export function exportRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get<{ Querystring: RawQuery }>('/v1/logs/export', {
    onRequest: requireWorkspace(ctx),
    schema: {
      tags: ['Logs'],
      summary: 'Export every matching log entry (NDJSON or CSV)',
      description:
        'Every filter of GET /v1/logs and sort; no paging (limit, cursor, page… are 400s). Streamed: NDJSON is one list entry per line; '
        + 'CSV (RFC 4180) has a header row and the columns id, created_at, completed_at, delivery_id, event_id, endpoint_id, endpoint_url, '
        + 'event_type, attempt, trigger, status, http_method, http_status, error_code, error_message, duration_ms, dns_ms, connect_ms, '
        + 'tls_ms, ttfb_ms, will_retry, next_attempt_at, tags (JSON), null as an empty cell. fields= keeps some fields (and their columns). '
        + 'Entries created after the export starts are left out.',
      querystring: ExportQuery,
      response: {
        200: {
          description: 'The entries, as an attachment',
          content: {
            'application/x-ndjson': { schema: LogEntry },
            'text/csv': { schema: Type.String() },
          },
        },
        ...AuthErrors,
      },
    },
  }, async (request, reply) => {
    const { format: formatText, ...query } = request.query;
    for (const name of PAGING_PARAMS) {
      if (query[name] !== undefined) throw invalidRequest(name, 'does not apply to an export, which streams every matching entry');
    }
    if (Array.isArray(formatText)) throw invalidRequest('format', 'was given more than once');
    const format = enumParam('format', formatText, FORMATS) ?? 'ndjson';
    const { filters, params, fields } = parseLogQuery(query, workspaceOf(request));
    // HEAD (Fastify's automatic twin of this route) would drain a stream to the end: it gets the headers only.
    // The first page is read before the headers are set, so a failing read is an ordinary JSON error.
    const pages = request.method === 'HEAD' ? null : await exportLogPages(ctx, filters, params.sort);
    const stamp = new Date(ctx.clock.now()).toISOString().replace(/[-:]|\.\d{3}/g, '');
    reply
      .header('content-type', CONTENT_TYPE[format])
      .header('content-disposition', `attachment; filename="herald-logs-${stamp}.${format}"`);
    if (pages === null) return reply.send();
    return reply.send(Readable.from(exportText(pages, format, fields), { objectMode: false, highWaterMark: CHUNK_CHARS }));
  });
}
