import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { ConnectionTimings } from './guarded-connector.ts';

/** undici publishes `{ request, headers, socket }` here as it writes a request's headers. */
const SEND_HEADERS_CHANNEL = 'undici:client:sendHeaders';

/**
 * Receives the connection a request went out on, with what opening it cost, or `null` timings
 * when the connection was reused.
 */
export type ConnectionListener = (socket: Socket, timings: ConnectionTimings | null) => void;

/**
 * Tells each request whether it paid for opening its connection (DNS, TCP, TLS) or rode on a
 * kept-alive one.
 *
 * undici does not show a dispatch handler its socket, so this relies on an ordering that
 * undici guarantees: it calls the handler's `onRequestStart` and then, synchronously, publishes
 * `undici:client:sendHeaders` with the socket. The handler calls {@link expectWrite} from
 * `onRequestStart`; the very next publish on one of our sockets belongs to that request.
 * Other undici instances in the process publish on the same channel; their sockets are ignored.
 */
export class ConnectionTracker {
  /** Every socket our connector opened, with its timings until the first request claims them. */
  readonly #sockets = new WeakMap<Socket, ConnectionTimings | null>();
  #waiting: ConnectionListener | null = null;

  readonly #onSendHeaders = (message: unknown): void => {
    const socket = (message as { socket?: Socket } | null)?.socket;
    const listener = this.#waiting;
    if (socket === undefined || listener === null || !this.#sockets.has(socket)) return;
    this.#waiting = null;
    listener(socket, this.#sockets.get(socket) ?? null);
    this.#sockets.set(socket, null);
  };

  /** Starts listening to undici's diagnostics channel; call {@link close} to stop. */
  constructor() {
    subscribe(SEND_HEADERS_CHANNEL, this.#onSendHeaders);
  }

  /** Records a connection the guarded connector has just opened. */
  recordConnection(socket: Socket, timings: ConnectionTimings): void {
    this.#sockets.set(socket, timings);
  }

  /**
   * Registers `listener` for the request whose headers undici is about to write. Call it from
   * the handler's `onRequestStart`; if no write follows in this tick, the listener is dropped.
   */
  expectWrite(listener: ConnectionListener): void {
    this.#waiting = listener;
    queueMicrotask(() => {
      if (this.#waiting === listener) this.#waiting = null;
    });
  }

  /** Stops listening. */
  close(): void {
    unsubscribe(SEND_HEADERS_CHANNEL, this.#onSendHeaders);
  }
}
