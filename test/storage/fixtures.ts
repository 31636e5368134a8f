import { newId } from '../../src/domain/ids.ts';
import type { AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord } from '../../src/storage/records.ts';
import type { AttemptOutcome, NewEvent, Storage } from '../../src/storage/storage.ts';

// Records built the way the services build them, for storage tests that talk to a backend directly.

/** A fixed "now" for tests that pass the clock in: 2026-01-15T09:30:00.000Z. */
export const T0 = Date.UTC(2026, 0, 15, 9, 30);

/** A workspace and one enabled endpoint in it (timeout 1 s, 3 attempts). */
export async function seedWorkspace(storage: Storage, endpoint: Partial<EndpointRecord> = {}): Promise<{ workspaceId: string; endpoint: EndpointRecord }> {
  const workspaceId = newId('ws');
  await storage.createWorkspace({ id: workspaceId, name: 'default', createdAt: T0 });
  const record: EndpointRecord = {
    id: newId('ep'), workspaceId, url: 'https://hooks.example.com/in', description: null, eventTypes: null,
    method: 'POST', headers: {}, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', previousSecret: null, previousSecretExpiresAt: null,
    enabled: true, disabledReason: null, timeoutMs: 1000, maxAttempts: 3, rateLimitPerS: null, metadata: {},
    createdAt: T0, updatedAt: T0, ...endpoint,
  };
  await storage.createEndpoint(record);
  return { workspaceId, endpoint: record };
}

/** An event with one queued delivery per endpoint, due at `runAt` (default T0). */
export function newEvent(workspaceId: string, endpoints: EndpointRecord[], options: { runAt?: number; type?: string; payload?: unknown } = {}): NewEvent {
  const runAt = options.runAt ?? T0;
  const event: EventRecord = {
    id: newId('evt'), workspaceId, type: options.type ?? 'invoice.paid', payload: JSON.stringify(options.payload ?? { n: 1 }),
    tags: { customer: 'c_1' }, createdAt: runAt,
  };
  const deliveries = endpoints.map((endpoint): DeliveryRecord => ({
    id: newId('dlv'), workspaceId, eventId: event.id, endpointId: endpoint.id, endpointUrl: endpoint.url, eventType: event.type,
    status: 'queued', attemptCount: 0, runAt, nextTrigger: 'scheduled', createdAt: runAt, deliveredAt: null,
    responseStatus: null, responseLatencyMs: null, lastError: null, tags: event.tags,
  }));
  return { event, deliveries };
}

/** Publishes one event to `endpoint` and returns its delivery. */
export async function publishOne(storage: Storage, workspaceId: string, endpoint: EndpointRecord, runAt = T0): Promise<DeliveryRecord> {
  const created = newEvent(workspaceId, [endpoint], { runAt });
  await storage.publishEvents(workspaceId, [created], null);
  return created.deliveries[0]!;
}

/** The outcome of one attempt at `delivery`, as the worker would record it. */
export function outcomeFor(
  delivery: DeliveryRecord,
  options: { attempt?: number; httpStatus?: number | null; durationMs?: number; createdAt?: number; nextAttemptAt?: number | null; id?: string } = {},
): AttemptOutcome {
  const httpStatus = options.httpStatus === undefined ? 200 : options.httpStatus;
  const ok = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
  const createdAt = options.createdAt ?? T0;
  const durationMs = options.durationMs ?? 42;
  const nextAttemptAt = ok ? null : options.nextAttemptAt === undefined ? createdAt + 5000 : options.nextAttemptAt;
  const error = ok ? null : httpStatus === null ? { code: 'TIMEOUT' as const, message: 'no answer within 1000 ms' } : { code: 'HTTP_STATUS' as const, message: `answered ${httpStatus}` };
  const attempt: AttemptRecord = {
    id: options.id ?? newId('log'), workspaceId: delivery.workspaceId, deliveryId: delivery.id, eventId: delivery.eventId,
    endpointId: delivery.endpointId, endpointUrl: delivery.endpointUrl, eventType: delivery.eventType,
    attempt: options.attempt ?? 1, trigger: 'scheduled', status: ok ? 'succeeded' : 'failed', httpMethod: 'POST', httpStatus, error,
    durationMs, timings: { dnsMs: null, connectMs: 3, tlsMs: null, ttfbMs: durationMs - 1 },
    willRetry: nextAttemptAt !== null, nextAttemptAt, tags: delivery.tags, createdAt, completedAt: createdAt + durationMs,
  };
  return {
    attempt,
    detail: { requestHeaders: { 'webhook-id': delivery.eventId }, responseHeaders: { 'content-type': 'application/json' }, responseBody: '{"ok":true}', responseBodyTruncated: false },
    delivery: {
      status: ok ? 'succeeded' : nextAttemptAt === null ? 'failed_permanent' : 'pending_retry',
      runAt: nextAttemptAt, deliveredAt: ok ? attempt.completedAt : null, responseStatus: httpStatus, responseLatencyMs: durationMs, lastError: error,
    },
  };
}
