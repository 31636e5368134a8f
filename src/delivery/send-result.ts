import type { DeliveryError } from '../domain/delivery-error.ts';
import type { ErrorContext } from './error-classifier.ts';
import type { ConnectionTimings } from './guarded-connector.ts';
import type { CollectedResponse } from './response-collector.ts';
import { parseRetryAfter } from './retry-after.ts';
import type { SendResult } from './sender.ts';

/** When a send began, on both clocks. */
export interface SendClock {
  /** Epoch ms, reported as `sentAt`. */
  sentAt: number;
  /** `performance.now()`, the origin of every duration. */
  startedAt: number;
  /** The wall clock (injectable), for `completedAt` and HTTP-date `Retry-After`. */
  now: () => number;
}

/**
 * Assembles the {@link SendResult} for one attempt. A transport error wins; otherwise any
 * status outside 2xx is an `HTTP_STATUS` error. `connection` is `null` when a kept-alive
 * connection was reused (or none was opened), which leaves dns/connect/tls `null`.
 */
export function buildSendResult(
  clock: SendClock,
  response: CollectedResponse,
  transportError: DeliveryError | null,
  connection: ConnectionTimings | null,
): SendResult {
  const { status, headers } = response;
  const error = transportError ?? statusError(status, headers);
  const honoursRetryAfter = status === 429 || status === 503;
  return {
    ok: error === null,
    httpStatus: status,
    responseHeaders: headers,
    responseBody: response.body,
    bodyTruncated: response.bodyTruncated,
    error,
    retryAfterMs: honoursRetryAfter ? parseRetryAfter(headers['retry-after'], clock.now()) : null,
    timings: {
      dnsMs: connection?.dnsMs ?? null,
      connectMs: connection?.connectMs ?? null,
      tlsMs: connection?.tlsMs ?? null,
      ttfbMs: response.headersAt === null ? null : response.headersAt - clock.startedAt,
      totalMs: performance.now() - clock.startedAt,
    },
    sentAt: clock.sentAt,
    completedAt: clock.now(),
  };
}

/** The response of an exchange that got nowhere. */
export function emptyResponse(): CollectedResponse {
  return { status: null, headers: {}, body: '', bodyTruncated: false, headersAt: null };
}

/**
 * The error a request is aborted with when its end-to-end timeout passes; `gotHead` tells
 * whether the status line had arrived (a slow body) or not (a silent receiver).
 */
export function deadlineError(context: ErrorContext, timeoutMs: number, gotHead: boolean): Error {
  const peer = `${context.hostname}:${context.port}`;
  const message = gotHead
    ? `response body from ${peer} not complete within ${timeoutMs} ms`
    : `no response from ${peer} within ${timeoutMs} ms`;
  return Object.assign(new Error(message), { code: 'HERALD_TIMEOUT' });
}

function statusError(status: number | null, headers: Record<string, string>): DeliveryError | null {
  if (status === null) return { code: 'INTERNAL', message: 'the exchange ended without a response' };
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) {
    const location = headers['location'] === undefined ? '' : ` (location: ${headers['location']})`;
    return { code: 'HTTP_STATUS', message: `receiver answered ${status}${location}; redirects are not followed` };
  }
  return { code: 'HTTP_STATUS', message: `receiver answered ${status}` };
}
