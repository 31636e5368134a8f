import type { DeliveryError } from '../domain/delivery-error.ts';
import { newId } from '../domain/ids.ts';
import { nextRetryDelay, type RetrySchedule } from '../domain/retry-schedule.ts';
import type { SendResult } from '../delivery/sender.ts';
import type { AttemptOutcome, ClaimedDelivery } from '../storage/storage.ts';

/** What happened to one claimed delivery: a response (or transport failure), or no send at all. */
export type AttemptResult =
  | { kind: 'sent'; result: SendResult; requestHeaders: Record<string, string> }
  | { kind: 'not_sent'; error: DeliveryError; at: number };

/**
 * Decides the log entry and the delivery's next state from one attempt. Pure: the clock's reading
 * and the jitter's random number come in, so every branch is testable without a network.
 * - 2xx → `succeeded`.
 * - `410 Gone` → `failed_permanent`, and the endpoint is disabled.
 * - not sent (endpoint disabled or deleted) → `failed_permanent` with `ENDPOINT_DISABLED`.
 * - any other failure → `pending_retry` at the schedule's next delay (Retry-After honoured), or
 *   `failed_permanent` once `max_attempts` attempts were made.
 */
export function decideOutcome(claimed: ClaimedDelivery, attempt: AttemptResult, schedule: RetrySchedule, random: number): AttemptOutcome {
  const { delivery } = claimed;
  const base = {
    id: newId('log', attempt.kind === 'sent' ? attempt.result.sentAt : attempt.at),
    workspaceId: delivery.workspaceId,
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
    endpointUrl: claimed.endpoint?.url ?? delivery.endpointUrl,
    eventType: delivery.eventType,
    attempt: claimed.attempt,
    trigger: claimed.trigger,
    httpMethod: claimed.endpoint?.method ?? 'POST',
    tags: delivery.tags,
  };

  if (attempt.kind === 'not_sent') {
    return {
      attempt: {
        ...base, status: 'failed', httpStatus: null, error: attempt.error, durationMs: 0,
        timings: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null },
        willRetry: false, nextAttemptAt: null, createdAt: attempt.at, completedAt: attempt.at,
      },
      detail: { requestHeaders: {}, responseHeaders: {}, responseBody: '', responseBodyTruncated: false },
      delivery: { status: 'failed_permanent', runAt: null, deliveredAt: null, responseStatus: null, responseLatencyMs: null, lastError: attempt.error },
    };
  }

  const { result } = attempt;
  const gone = result.httpStatus === 410;
  const delay = result.ok || gone
    ? null
    : nextRetryDelay(schedule, {
        attemptsMade: claimed.attempt,
        maxAttempts: claimed.endpoint?.maxAttempts ?? 1,
        retryAfterMs: result.retryAfterMs,
        random,
      });
  const nextAttemptAt = delay === null ? null : result.completedAt + delay;
  const status = result.ok ? 'succeeded' : nextAttemptAt === null ? 'failed_permanent' : 'pending_retry';
  const outcome: AttemptOutcome = {
    attempt: {
      ...base,
      status: result.ok ? 'succeeded' : 'failed',
      httpStatus: result.httpStatus,
      error: result.error,
      durationMs: Math.round(result.timings.totalMs),
      timings: { dnsMs: ms(result.timings.dnsMs), connectMs: ms(result.timings.connectMs), tlsMs: ms(result.timings.tlsMs), ttfbMs: ms(result.timings.ttfbMs) },
      willRetry: nextAttemptAt !== null,
      nextAttemptAt,
      createdAt: result.sentAt,
      completedAt: result.completedAt,
    },
    detail: {
      requestHeaders: redactSignatures(attempt.requestHeaders),
      responseHeaders: result.responseHeaders,
      responseBody: result.responseBody,
      responseBodyTruncated: result.bodyTruncated,
    },
    delivery: {
      status,
      runAt: nextAttemptAt,
      deliveredAt: result.ok ? result.completedAt : null,
      responseStatus: result.httpStatus,
      responseLatencyMs: Math.round(result.timings.totalMs),
      lastError: result.error,
    },
  };
  if (gone) outcome.disableEndpoint = { reason: `the receiver answered 410 Gone on ${new Date(result.completedAt).toISOString()}` };
  return outcome;
}

/** Signature values are shown as `v1,<redacted>`: the log never holds anything that could be replayed. */
export function redactSignatures(headers: Record<string, string>): Record<string, string> {
  const shown = { ...headers };
  const signature = shown['webhook-signature'];
  if (signature !== undefined) shown['webhook-signature'] = signature.split(' ').map((part) => `${part.split(',')[0]},<redacted>`).join(' ');
  return shown;
}

/** Whole milliseconds, as the log stores them. */
function ms(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}
