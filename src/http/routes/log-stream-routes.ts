import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from '../../domain/app-error.ts';
import type { LogTail } from '../../services/log-tail.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { logJson } from '../presenters.ts';
import type { RawQuery } from '../query-parser.ts';
import { AuthErrors } from '../schemas/common.ts';
import { LogQuery, parseLogQuery } from './log-routes.ts';

/** A client this far behind (bytes buffered by Node) is cut off; it reconnects with Last-Event-ID and misses nothing. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

function resumeFrom(request: FastifyRequest<{ Querystring: RawQuery }>): number | null {
  const header = request.headers['last-event-id'];
  const text = typeof header === 'string' ? header : undefined;
  if (text === undefined || text.trim() === '') return null;
  if (!/^\d{1,15}$/.test(text.trim())) throw invalidRequest('Last-Event-ID', 'must be the id of an event this stream sent');
  return Number(text.trim());
}

/**
 * `GET /v1/logs/stream`: Server-Sent Events, one `log` event per new entry matching the log filters.
 * Event ids are log positions: reconnecting with `Last-Event-ID` resumes with no gap and no repeat.
 * A comment line every `heartbeatMs` keeps proxies from closing an idle stream.
 */
export function logStreamRoutes(app: FastifyInstance, ctx: ServiceContext, tail: LogTail, heartbeatMs: number): void {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them when the server closes, or close() would wait forever.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get<{ Querystring: RawQuery }>('/v1/logs/stream', {
    onRequest: requireWorkspace(ctx),
    exposeHeadRoute: false, // a HEAD twin would hijack the socket and stream heartbeats to nobody
    schema: {
      tags: ['Logs'],
      summary: 'Live tail (Server-Sent Events): one `log` event per new entry; resume with Last-Event-ID',
      querystring: LogQuery,
      response: { 200: { description: 'text/event-stream', type: 'string' }, ...AuthErrors },
    },
  }, async (request, reply) => {
    const { filters, params } = parseLogQuery(request.query, workspaceOf(request));
    if (params.cursor !== undefined || params.page !== undefined) throw invalidRequest('cursor', 'paging does not apply to a live stream');
    const resume = resumeFrom(request);
    const start = resume ?? (await tail.latestSeq());

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    raw.write(`retry: 2000\n: streaming log entries after position ${start}\n\n`);

    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      open.delete(close);
      unsubscribe();
      clearInterval(heartbeat);
      raw.end();
    };
    const unsubscribe = tail.subscribe({
      filters,
      seq: start,
      send: (seq, attempt) => {
        if (closed) return;
        raw.write(`id: ${seq}\nevent: log\ndata: ${JSON.stringify(logJson(attempt))}\n\n`);
        if (raw.writableLength > MAX_BUFFERED_BYTES) {
          request.log.warn({ buffered: raw.writableLength }, 'live tail client too slow; closing (it can resume with Last-Event-ID)');
          close();
        }
      },
    });
    const heartbeat = setInterval(() => raw.write(`: heartbeat ${new Date().toISOString()}\n\n`), heartbeatMs);
    request.raw.on('close', close);
    raw.on('error', close);
    open.add(close);
  });
}
