import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { CappedBody } from './capped-body.ts';

/** What arrived from the receiver, however far the exchange got. */
export interface CollectedResponse {
  /** Final (non-1xx) status code; `null` when no response head arrived. */
  status: number | null;
  /** Lower-case names; repeated headers joined with `", "`. */
  headers: Record<string, string>;
  /** UTF-8 of the first `maxBytes` bytes of the body. */
  body: string;
  /** True when the receiver sent more than `maxBytes` and the rest was not read. */
  bodyTruncated: boolean;
  /** `performance.now()` when the response head arrived; `null` if it never did. */
  headersAt: number | null;
}

/** Settings for one {@link ResponseCollector}. */
export interface ResponseCollectorOptions {
  /** Body bytes to keep; reading stops, and the connection is dropped, beyond this. */
  maxBytes: number;
  /** Called when undici is about to write the request on a connection. */
  onRequestStart: () => void;
}

/**
 * An undici dispatch handler that records one response: status, headers and at most
 * `maxBytes` of body. `finished` resolves (never rejects) with `null` once the response is
 * complete or the body cap is reached, or with the error that ended the exchange early.
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  /** Resolves with `null` on a complete (or deliberately capped) response, else the error. */
  readonly finished: Promise<Error | null>;

  readonly #options: ResponseCollectorOptions;
  readonly #body: CappedBody;
  #status: number | null = null;
  #headers: Record<string, string> = {};
  #headersAt: number | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  #socket: Socket | null = null;
  #abortReason: Error | null = null;
  /** Set once the outcome is decided: later events from undici are ignored. */
  #stopped = false;
  #settle: (error: Error | null) => void = () => {};

  /** Creates a collector; pass it to `dispatcher.dispatch(options, collector)`. */
  constructor(options: ResponseCollectorOptions) {
    this.#options = options;
    this.#body = new CappedBody(options.maxBytes);
    this.finished = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** Ends the exchange now with `reason` (e.g. the deadline); whatever arrived is kept. */
  abort(reason: Error): void {
    if (this.#stopped) return;
    this.#abortReason = reason;
    this.#stop(reason, reason);
  }

  /** Tells the collector which connection its request went out on, so aborts can drop it. */
  bindSocket(socket: Socket): void {
    this.#socket = socket;
  }

  /** True once a final (non-1xx) response head has arrived. */
  get gotHead(): boolean {
    return this.#status !== null;
  }

  /** A snapshot of what has arrived so far. */
  response(): CollectedResponse {
    return {
      status: this.#status,
      headers: this.#headers,
      body: this.#body.text(),
      bodyTruncated: this.#body.truncated,
      headersAt: this.#headersAt,
    };
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== null) {
      controller.abort(this.#abortReason);
      return;
    }
    this.#options.onRequestStart();
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (this.#stopped || status < 200) return;
    this.#status = status;
    this.#headers = flattenHeaders(headers);
    this.#headersAt = performance.now();
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#stopped || this.#body.add(chunk)) return;
    this.#stop(null, new Error(`response body exceeded ${this.#options.maxBytes} bytes; rest not read`));
  }

  onResponseEnd(): void {
    this.#finish(null);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.#finish(error);
  }

  /**
   * Decides the outcome now and drops the connection; `finished` settles once the socket has
   * closed, so the next request never lands on a pool undici is about to discard.
   * The socket is destroyed directly when known: undici's own abort marks the request pending
   * again and opens a fresh connection for it (nodejs/undici#5845).
   */
  #stop(outcome: Error | null, reason: Error): void {
    this.#stopped = true;
    const socket = this.#socket;
    if (socket === null || socket.closed) {
      this.#controller?.abort(reason);
      this.#settle(outcome);
      return;
    }
    socket.once('close', () => this.#settle(outcome));
    socket.destroy(reason);
  }

  /** Settles `finished` unless the outcome was already decided. */
  #finish(error: Error | null): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#settle(error);
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
