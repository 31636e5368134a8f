import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { invalidRequest } from '../../domain/app-error.ts';
import { toIso } from '../../domain/clock.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getEvent, listEvents } from '../../services/event-queries.ts';
import { publishEvents, type PublishedEvent as Published, type PublishInput } from '../../services/publish-service.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { deliveryJson, eventJson, listMeta, pickFields } from '../presenters.ts';
import { parseListQuery, timeParam, type RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams, ListOf, QueryOf } from '../schemas/common.ts';
import { Event, EventBatch, EventPublish, PublishedEvent } from '../schemas/resources.ts';
import { Type } from 'typebox';

const Params = IdParams('id', 'evt');
const EVENT_FIELDS = ['id', 'type', 'payload', 'tags', 'created_at', 'deliveries'];

/** Documents `Idempotency-Key` in /openapi.json (and so in the typed client); its rules are checked in `idempotencyKey`. */
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Makes retries of this publish safe for 24 h: the same key and body replay the first answer; another body is a 409' })),
});

/** The 202 body of a publish: the event and its deliveries. */
export function publishedJson({ event, deliveries }: Published) {
  return {
    id: event.id,
    type: event.type,
    tags: event.tags,
    created_at: toIso(event.createdAt),
    deliveries: deliveries.map((d) => ({ id: d.id, endpoint_id: d.endpointId })),
  };
}

function toInput(body: Static<typeof EventPublish>): PublishInput {
  return {
    type: body.type,
    payload: body.payload,
    ...(body.tags !== undefined ? { tags: body.tags } : {}),
    ...(body.endpoint_ids !== undefined ? { endpointIds: body.endpoint_ids } : {}),
  };
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 255 || key.includes('\0')) throw invalidRequest('Idempotency-Key', 'must be 1–255 characters, none of them NUL');
  return key;
}

/** `/v1/events…`: publish (one or a batch) and read events with their fan-out. */
export function eventRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireWorkspace(ctx) };
  const tags = ['Events'];
  const publishErrors = { ...AuthErrors, 409: ErrorResponse, 413: ErrorResponse, 422: ErrorResponse };
  const singleLimit = ctx.config.maxPayloadBytes + 64 * 1024;

  app.post<{ Body: Static<typeof EventPublish> }>('/v1/events', {
    ...auth,
    bodyLimit: singleLimit,
    schema: { tags, summary: 'Publish an event; 202 means it is durable', headers: IdempotencyHeaders, body: EventPublish, response: { 202: PublishedEvent, ...publishErrors } },
  }, async (request, reply) => {
    const key = idempotencyKey(request);
    const { response, replayed } = await publishEvents(ctx, workspaceOf(request), [toInput(request.body)], {
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      requestBody: request.body,
      render: (published) => publishedJson(published[0]!),
    });
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(202).send(response);
  });

  app.post<{ Body: Static<typeof EventBatch> }>('/v1/events/batch', {
    ...auth,
    bodyLimit: Math.max(singleLimit, 32 * 1024 * 1024),
    schema: {
      tags,
      summary: 'Publish up to 1,000 events, all or none',
      headers: IdempotencyHeaders,
      body: EventBatch,
      response: { 202: Type.Object({ data: Type.Array(PublishedEvent) }), ...publishErrors },
    },
  }, async (request, reply) => {
    const key = idempotencyKey(request);
    const { response, replayed } = await publishEvents(ctx, workspaceOf(request), request.body.events.map(toInput), {
      ...(key !== undefined ? { idempotencyKey: key } : {}),
      requestBody: request.body,
      render: (published) => ({ data: published.map(publishedJson) }),
    });
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(202).send(response);
  });

  app.get<{ Querystring: RawQuery }>('/v1/events', {
    ...auth,
    schema: {
      tags,
      summary: 'List events (those that matched no endpoint too)',
      querystring: QueryOf({
        type: Type.Optional(Type.String({ description: 'Comma list of exact types' })),
        start_time: Type.Optional(Type.String({ description: 'created_at ≥ this (ISO 8601)' })),
        end_time: Type.Optional(Type.String({ description: 'created_at < this (ISO 8601)' })),
      }),
      response: { 200: ListOf(Event), ...AuthErrors },
    },
  }, async (request) => {
    const { params, fields, filters, tags: tagFilter } = parseListQuery(request.query, {
      sortFields: ['created_at'], fields: EVENT_FIELDS, filters: ['type', 'start_time', 'end_time'], tags: true,
    });
    const startTime = timeParam('start_time', filters.start_time);
    const endTime = timeParam('end_time', filters.end_time);
    const page = await listEvents(ctx, {
      workspaceId: workspaceOf(request),
      ...(filters.type !== undefined ? { types: filters.type.split(',').map((t) => t.trim()) } : {}),
      ...(startTime !== undefined ? { startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(tagFilter ? { tags: tagFilter } : {}),
    }, params);
    const data = page.rows.map(({ event, deliveries }) =>
      pickFields({ ...eventJson(event), deliveries: deliveries.map((d) => ({ id: d.id, endpoint_id: d.endpointId, status: d.status })) }, fields),
    );
    return { data, meta: listMeta(page.meta, request.id) };
  });

  app.get<{ Params: { id: string } }>('/v1/events/:id', {
    ...auth,
    schema: { tags, summary: 'Get an event with each of its deliveries', params: Params, response: { 200: Event, ...AuthErrors, 404: ErrorResponse } },
  }, async (request) => {
    const { event, deliveries } = await getEvent(ctx, workspaceOf(request), request.params.id);
    return { ...eventJson(event), deliveries: deliveries.map(deliveryJson) };
  });
}
