import { createHash } from 'node:crypto';
import { AppError, type ErrorDetail } from '../domain/app-error.ts';
import { matchesEventTypes } from '../domain/event-type-match.ts';
import { newId } from '../domain/ids.ts';
import type { DeliveryRecord, EventRecord } from '../storage/records.ts';
import type { EndpointRoute, NewEvent, PublishResult } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { canonicalJson } from './cursor-codec.ts';

/** How long an `Idempotency-Key` is remembered: 24 h. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
/** The most events one batch may carry. */
export const MAX_BATCH_EVENTS = 1000;
/** Fan-outs tried from routes found out of date before the last, written whatever the routes' version. */
const MAX_ROUTE_TRIES = 4;
const MAX_TAGS = 32;

/** One event to publish, as the caller sent it. */
export interface PublishInput {
  type: string;
  payload: unknown;
  tags?: Record<string, string>;
  endpointIds?: string[];
}

/** What `POST /v1/events` answers: the event and the deliveries its fan-out created. */
export interface PublishedEvent {
  event: EventRecord;
  deliveries: DeliveryRecord[];
}

/**
 * Publishes events: checks them, fans each out to the enabled endpoints whose `event_types` match
 * (narrowed by `endpointIds`), and writes events and deliveries in one transaction, so a 202 means
 * durable. With an idempotency key a replay returns the first answer and a different body is a conflict.
 * `render` turns the result into the response body that a replay will get back verbatim.
 */
export async function publishEvents(
  ctx: ServiceContext,
  workspaceId: string,
  inputs: PublishInput[],
  options: { idempotencyKey?: string; requestBody: unknown; render: (published: PublishedEvent[]) => unknown; forceEndpointIds?: boolean },
): Promise<{ response: unknown; replayed: boolean }> {
  // Each payload is serialised once: its size is checked on the text that is stored and sent.
  const payloads = inputs.map((input, index) => checkEvent(ctx, input, inputs.length > 1 ? `events[${index}].` : ''));
  const force = options.forceEndpointIds === true;
  const requestHash = options.idempotencyKey ? createHash('sha256').update(canonicalJson(options.requestBody)).digest('hex') : '';
  // The routes may come from what storage last read, unchecked: the write checks their version and
  // answers `stale_routes` (writing nothing) when the endpoints changed since; then the fan-out is
  // done again from routes read afresh. A last try, if they keep changing, writes unchecked.
  let published: PublishedEvent[] = [];
  let response: unknown;
  let result: PublishResult = { kind: 'stale_routes' };
  for (let tries = 1; result.kind === 'stale_routes'; tries += 1) {
    const { version, routes } = await ctx.storage.routesForPublish(workspaceId, { fresh: tries > 1 });
    const endpoints = [...routes]; // checkEndpointIds may add to it; the routes may be shared
    await checkEndpointIds(ctx, workspaceId, inputs, endpoints, force);
    const now = ctx.clock.now();
    published = inputs.map((input, index) => fanOut(workspaceId, input, payloads[index]!, endpoints, now, force));
    response = options.render(published);
    const idempotency = options.idempotencyKey
      ? {
          key: options.idempotencyKey,
          requestHash,
          response: JSON.stringify(response),
          notBefore: now - IDEMPOTENCY_WINDOW_MS,
        }
      : null;
    const newEvents: NewEvent[] = published.map(({ event, deliveries }) => ({ event, deliveries }));
    result = await ctx.storage.publishEvents(workspaceId, newEvents, idempotency, tries < MAX_ROUTE_TRIES ? version : undefined);
  }
  if (result.kind === 'conflict') {
    throw new AppError('CONFLICT', 'this Idempotency-Key was used in the last 24 h with a different request body');
  }
  if (result.kind === 'replayed') return { response: JSON.parse(result.response) as unknown, replayed: true };
  if (published.some((p) => p.deliveries.length > 0)) ctx.wakeWorkers();
  return { response, replayed: false };
}

function fanOut(workspaceId: string, input: PublishInput, payload: string, endpoints: EndpointRoute[], now: number, force: boolean): PublishedEvent {
  const event: EventRecord = {
    id: newId('evt', now),
    workspaceId,
    type: input.type,
    payload,
    tags: input.tags ?? {},
    createdAt: now,
  };
  // `endpoint_ids` narrows the fan-out; `force` (the endpoint test) sends whatever the endpoint subscribes to.
  const targets = endpoints.filter(
    (endpoint) =>
      (input.endpointIds === undefined || input.endpointIds.includes(endpoint.id)) &&
      (force || matchesEventTypes(endpoint.eventTypes, input.type)),
  );
  const deliveries = targets.map((endpoint): DeliveryRecord => ({
    id: newId('dlv', now),
    workspaceId,
    eventId: event.id,
    endpointId: endpoint.id,
    endpointUrl: endpoint.url,
    eventType: event.type,
    status: 'queued',
    attemptCount: 0,
    runAt: now,
    nextTrigger: 'scheduled',
    createdAt: now,
    deliveredAt: null,
    responseStatus: null,
    responseLatencyMs: null,
    lastError: null,
    tags: event.tags,
  }));
  return { event, deliveries };
}

/** Checks one event and returns its payload as JSON text. */
function checkEvent(ctx: ServiceContext, input: PublishInput, prefix: string): string {
  const payload = JSON.stringify(input.payload ?? null);
  const size = Buffer.byteLength(payload);
  if (size > ctx.config.maxPayloadBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', `${prefix}payload is ${size} bytes; the limit is ${ctx.config.maxPayloadBytes} (HERALD_MAX_PAYLOAD_BYTES)`);
  }
  if (input.payload === undefined) {
    throw new AppError('VALIDATION_FAILED', `${prefix}payload is required`, [{ field: `${prefix}payload`, message: 'is required' }]);
  }
  const tags = Object.entries(input.tags ?? {});
  const problems: ErrorDetail[] = [];
  if (tags.length > MAX_TAGS) problems.push({ field: `${prefix}tags`, message: `must have at most ${MAX_TAGS} tags` });
  for (const [key, value] of tags) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) problems.push({ field: `${prefix}tags.${key}`, message: 'name may hold only letters, digits, ".", "_", "-" (1–64)' });
    if (typeof value !== 'string' || value.length > 256) problems.push({ field: `${prefix}tags.${key}`, message: 'must be a string of at most 256 characters' });
  }
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', problems.map((p) => `${p.field} ${p.message}`).join('; '), problems);
  return payload;
}

async function checkEndpointIds(
  ctx: ServiceContext,
  workspaceId: string,
  inputs: PublishInput[],
  enabled: EndpointRoute[],
  includeDisabled: boolean,
): Promise<void> {
  const asked = new Set(inputs.flatMap((input) => input.endpointIds ?? []));
  for (const id of asked) {
    if (enabled.some((endpoint) => endpoint.id === id)) continue;
    const endpoint = await ctx.storage.getEndpoint(workspaceId, id);
    if (!endpoint) throw new AppError('VALIDATION_FAILED', `endpoint_ids names ${id}, which is not an endpoint of this workspace`, [{ field: 'endpoint_ids', message: `${id} not found` }]);
    if (includeDisabled) enabled.push(endpoint);
  }
}
