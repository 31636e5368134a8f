/** One Server-Sent Event as the stream sent it. */
export interface ServerSentEvent {
  /** The `id:` field of this event, or null when it had none. */
  id: string | null;
  /** The `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines, joined by `\n`. */
  data: string;
  /** The `retry:` field in ms, when the event set one. */
  retry: number | null;
}

/**
 * Reads a `text/event-stream` body (per the HTML spec: `\n`, `\r\n` or `\r` line ends, `:` comments,
 * one event per blank line) and yields each event as it completes. Ends when the body ends (a
 * trailing event without its blank line is dropped, as the spec says); stopping early cancels the body.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  const event = new EventBuilder();
  let buffer = '';
  // A reader rather than `for await`: ReadableStream is not async-iterable in every browser yet.
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = lineEnd(buffer)) !== -1) {
        // A \r at the very end may be the first half of \r\n: wait for the next chunk.
        if (buffer[end] === '\r' && end + 1 === buffer.length) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
        const complete = event.add(line);
        if (complete) yield complete;
      }
    }
  } finally {
    // Stopping early (break, return, an abort) closes the connection instead of leaving it open.
    await reader.cancel().catch(() => undefined);
  }
}

/** Collects the fields of one event, line by line; a blank line completes it. */
class EventBuilder {
  #event: ServerSentEvent = blank();
  #hasData = false;

  /** Takes one line; returns the finished event at a blank line after data, else null. */
  add(line: string): ServerSentEvent | null {
    if (line === '') {
      const finished = this.#hasData ? this.#event : null;
      this.#event = blank();
      this.#hasData = false;
      return finished;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'data') {
      this.#event.data = this.#hasData ? `${this.#event.data}\n${value}` : value;
      this.#hasData = true;
    } else if (field === 'event') {
      this.#event.event = value;
    } else if (field === 'id' && !value.includes('\0')) {
      this.#event.id = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      this.#event.retry = Number(value);
    }
    return null;
  }
}

function blank(): ServerSentEvent {
  return { id: null, event: 'message', data: '', retry: null };
}

function lineEnd(text: string): number {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (lf === -1) return cr;
  if (cr === -1) return lf;
  return Math.min(lf, cr);
}
