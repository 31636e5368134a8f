import { Agent } from 'undici';
import type { DeliveryError } from '../domain/delivery-error.ts';
import { defaultLookup, type LookupFn } from './address-guard.ts';
import { ConnectionTracker } from './connection-tracker.ts';
import { classifyError, type ErrorContext } from './error-classifier.ts';
import { createGuardedConnector, type ConnectionTimings } from './guarded-connector.ts';
import { ResponseCollector } from './response-collector.ts';
import { buildSendResult, deadlineError, emptyResponse } from './send-result.ts';

/** One fully prepared HTTP request: the worker has already signed it. */
export interface SendRequest {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  /** Sent as given (plus `user-agent` if missing and configured); nothing else is added. */
  headers: Record<string, string>;
  body: string;
  /** End to end: from the start of `send` until the last body byte is read. */
  timeoutMs: number;
}

/** Where the time went, in fractional milliseconds. */
export interface SendTimings {
  /** Resolving the host; `null` when a kept-alive connection was reused or the host is an IP. */
  dnsMs: number | null;
  /** TCP handshake; `null` when a kept-alive connection was reused or none was made. */
  connectMs: number | null;
  /** TLS handshake; `null` for `http`, or when a kept-alive connection was reused. */
  tlsMs: number | null;
  /** From the start of `send` to the response head; `null` if none arrived. */
  ttfbMs: number | null;
  /** From the start of `send` to its result. */
  totalMs: number;
}

/** Exactly what happened to one request. */
export interface SendResult {
  /** True only for a 2xx response read without error. */
  ok: boolean;
  /** `null` when no response arrived. */
  httpStatus: number | null;
  /** Lower-case names; repeated headers joined with `", "`. */
  responseHeaders: Record<string, string>;
  /** UTF-8 of at most `maxResponseBytes` bytes. */
  responseBody: string;
  bodyTruncated: boolean;
  /** `null` when ok; `HTTP_STATUS` for any non-2xx answer, 3xx included. */
  error: DeliveryError | null;
  /** `Retry-After` (seconds or HTTP date) in ms, on 429 and 503 only; else `null`. */
  retryAfterMs: number | null;
  timings: SendTimings;
  /** Epoch ms when `send` began. */
  sentAt: number;
  /** Epoch ms when the result was ready. */
  completedAt: number;
}

/** Sends prepared requests over pooled keep-alive connections. */
export interface Sender {
  /** Sends one request. Never throws: every failure is described in the result. */
  send(request: SendRequest): Promise<SendResult>;
  /** Lets in-flight requests finish, then closes every connection. */
  close(): Promise<void>;
}

/** How a {@link Sender} behaves. */
export interface SenderOptions {
  /** Connect to private, loopback and link-local addresses (`HERALD_ALLOW_PRIVATE_NETWORKS`). */
  allowPrivateNetworks: boolean;
  /** Hostname resolver; default the system resolver ({@link defaultLookup}). */
  lookup?: LookupFn;
  /** Response body bytes kept per attempt; default 65,536. */
  maxResponseBytes?: number;
  /** Keep-alive connections per origin; default 16. */
  connectionsPerOrigin?: number;
  /** Sent as `user-agent` when a request has none; default none. */
  userAgent?: string;
  /** Epoch ms for `sentAt`/`completedAt`; default `Date.now` (inject the service clock). */
  now?: () => number;
}

/**
 * Creates the outbound HTTP sender: an undici agent whose connector resolves and checks every
 * address (SSRF guard), which never follows redirects, cuts each request at its end-to-end
 * timeout, and keeps at most `maxResponseBytes` of each response body.
 */
export function createSender(options: SenderOptions): Sender {
  const maxResponseBytes = options.maxResponseBytes ?? 65_536;
  const now = options.now ?? Date.now;
  const tracker = new ConnectionTracker();
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 16,
    connect: createGuardedConnector({
      allowPrivateNetworks: options.allowPrivateNetworks,
      lookup: options.lookup ?? defaultLookup,
      onConnected: (socket, timings) => tracker.recordConnection(socket, timings),
    }),
  });

  async function send(request: SendRequest): Promise<SendResult> {
    const clock = { sentAt: now(), startedAt: performance.now(), now };
    const target = URL.parse(request.url);
    if (target === null || (target.protocol !== 'https:' && target.protocol !== 'http:')) {
      const error = { code: 'INTERNAL', message: `not an http(s) URL: ${request.url}` } as const;
      return buildSendResult(clock, emptyResponse(), error, null);
    }
    const context: ErrorContext = {
      hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
    };

    let connection: ConnectionTimings | null = null;
    const collector = new ResponseCollector({
      maxBytes: maxResponseBytes,
      onRequestStart: () =>
        tracker.expectWrite((socket, timings) => {
          collector.bindSocket(socket);
          connection = timings;
        }),
    });
    const deadline = setTimeout(() => collector.abort(deadlineError(context, request.timeoutMs, collector.gotHead)), request.timeoutMs);
    agent.dispatch(
      {
        origin: target.origin,
        path: target.pathname + target.search,
        method: request.method,
        headers: withUserAgent(request.headers, options.userAgent),
        body: request.body,
      },
      collector,
    );
    const failure = await collector.finished;
    clearTimeout(deadline);
    const error = failure === null ? null : classifyError(failure, context);
    const result = buildSendResult(clock, collector.response(), error, connection);
    // undici makes a kept-alive connection reusable only on the next turn of the event loop
    // (setImmediate); without this wait a caller sending again at once opens a new connection.
    if (failure === null) await new Promise((resolve) => setImmediate(resolve));
    return result;
  }

  return {
    send: (request) =>
      send(request).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        const message = `sender failed unexpectedly: ${reason}`;
        const clock = { sentAt: now(), startedAt: performance.now(), now };
        return buildSendResult(clock, emptyResponse(), { code: 'INTERNAL', message }, null);
      }),
    close: async () => {
      tracker.close();
      await agent.close();
    },
  };
}

/** The headers, plus `user-agent` when one is configured and the request has none. */
function withUserAgent(headers: Record<string, string>, userAgent?: string): Record<string, string> {
  const hasUserAgent = Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent');
  return userAgent === undefined || hasUserAgent ? headers : { ...headers, 'user-agent': userAgent };
}
