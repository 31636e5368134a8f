import type { HeraldClient } from './index.ts';
import { HeraldApiError, unwrap } from './api-error.ts';
import type { paths } from './schema.d.ts';
import { readServerSentEvents } from './server-sent-events.ts';

/** One log entry (one HTTP attempt), as lists, the live tail and NDJSON export show it. */
export type LogEntry = paths['/v1/logs']['get']['responses'][200]['content']['application/json']['data'][number];

/** The log filters of `GET /v1/logs`, plus `tag[K]` filters, which the OpenAPI document cannot name. */
export type LogFilters = NonNullable<paths['/v1/logs']['get']['parameters']['query']> & { [tag: `tag[${string}]`]: string };

/** One entry of the live tail and its position (the SSE id), to resume from with `lastEventId`. */
export interface StreamedLogEntry {
  position: string;
  entry: LogEntry;
}

/** How {@link streamLogs} follows the live tail. */
export interface LogStreamOptions {
  /** The same filters as the log list (paging ones excepted). */
  filters?: LogFilters;
  /** Resume after this position (a previous entry's `position`) instead of from now. */
  lastEventId?: string;
  /** Stops the stream; the generator then returns. */
  signal?: AbortSignal;
  /** Wait before reconnecting after the stream drops, in ms (default 2000, or the server's `retry:`). */
  reconnectDelayMs?: number;
  /** Called each time the stream is open (Herald answered 200): entries recorded from now on will arrive. */
  onOpen?: () => void;
  /** Called when a dropped stream is about to be reopened (with why it dropped, if it failed). */
  onReconnect?: (reason: unknown) => void;
}

/**
 * Follows `GET /v1/logs/stream`: yields each new log entry as Herald records it. When the stream
 * drops (Herald restarted, or closed a client that fell behind) it reconnects with `Last-Event-ID`,
 * so nothing is missed or repeated. Throws {@link HeraldApiError} for an API error (bad filter,
 * bad key) and the fetch error when the first connection fails; returns when `signal` aborts.
 */
export async function* streamLogs(client: HeraldClient, options: LogStreamOptions = {}): AsyncGenerator<StreamedLogEntry> {
  let lastEventId = options.lastEventId;
  let delayMs = options.reconnectDelayMs ?? 2000;
  let connected = false;
  while (!options.signal?.aborted) {
    let dropped: unknown = null;
    try {
      const body = unwrap(await client.GET('/v1/logs/stream', {
        params: { query: options.filters ?? {} },
        headers: lastEventId !== undefined ? { 'last-event-id': lastEventId } : {},
        parseAs: 'stream',
        ...(options.signal ? { signal: options.signal } : {}),
      })) as ReadableStream<Uint8Array> | null;
      if (!body) throw new Error('the live tail answered without a body');
      connected = true;
      options.onOpen?.();
      for await (const event of readServerSentEvents(body)) {
        if (event.retry !== null) delayMs = event.retry;
        if (event.id !== null) lastEventId = event.id;
        if (event.event !== 'log') continue;
        yield { position: event.id ?? '', entry: JSON.parse(event.data) as LogEntry };
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof HeraldApiError || !connected) throw error;
      dropped = error;
    }
    options.onReconnect?.(dropped);
    await sleep(delayMs, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
