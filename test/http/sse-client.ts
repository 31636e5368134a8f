// A small Server-Sent Events client over fetch, for the live-tail tests: it reads the stream as it
// arrives, keeps every event and comment with the time it was read, and waits for what a test needs.

/** One `event:` block of the stream, with the wall-clock time it was parsed. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
  readAt: number;
}

export interface SseClient {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Comment lines (without the leading `:`), e.g. heartbeats. */
  comments: Array<{ text: string; readAt: number }>;
  /** True once the server ended the stream (or it failed). */
  readonly ended: boolean;
  /** Resolves when `events.length >= n`; rejects after `timeoutMs` or when the stream ends first. */
  waitForEvents(n: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves when the server ends the stream; rejects after `timeoutMs`. */
  waitForEnd(timeoutMs?: number): Promise<void>;
  /** Disconnects (aborts the request). */
  close(): void;
}

/** Opens `url` as an event stream with `headers`; resolves once the response headers are in. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: SseClient['comments'] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };

  const parseBlock = (block: string, readAt: number) => {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push({ text: line.slice(1).trim(), readAt });
      else if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) events.push({ id, event, data: data.join('\n'), readAt });
  };

  void (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        const readAt = Date.now();
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          parseBlock(buffer.slice(0, end), readAt);
          buffer = buffer.slice(end + 2);
        }
        wakeAll();
      }
    } catch {
      // aborted by close(), or the server went away
    } finally {
      ended = true;
      wakeAll();
    }
  })();

  const waitFor = (done: () => boolean, what: () => string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (done()) finish(resolve);
        else if (ended) finish(() => reject(new Error(`stream ended before ${what()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`))), timeoutMs);
      const finish = (then: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        then();
      };
      waiters.add(check);
      check();
    });

  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    get ended() {
      return ended;
    },
    waitForEvents: async (n, timeoutMs = 5000) => {
      await waitFor(() => events.length >= n, () => `${n} events (got ${events.length})`, timeoutMs);
      return events;
    },
    waitForEnd: (timeoutMs = 5000) => waitFor(() => ended, () => 'the end of the stream', timeoutMs),
    close: () => abort.abort(),
  };
}
