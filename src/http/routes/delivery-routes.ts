import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../domain/statuses.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getDelivery, listDeliveries, retryDelivery } from '../../services/delivery-service.ts';
import type { DeliveryRecord } from '../../storage/records.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { deliveryJson, listMeta, logJson, pickFields } from '../presenters.ts';
import { idParam, listParam, parseListQuery, timeParam, type RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams, ListOf, QueryOf } from '../schemas/common.ts';
import { Delivery, LogEntry, RetryAccepted } from '../schemas/resources.ts';

const Params = IdParams('id', 'dlv');
const DELIVERY_FIELDS = Object.keys(Delivery.properties);
const isStatus = (s: string): s is DeliveryStatus => (DELIVERY_STATUSES as readonly string[]).includes(s);

/** The 202 body of a retry request. */
export function retryAcceptedJson(delivery: DeliveryRecord) {
  const json = deliveryJson(delivery);
  return { delivery_id: json.id, status: json.status, next_attempt_at: json.next_attempt_at };
}

/** `/v1/deliveries…`: one row per event × endpoint, with its current state. */
export function deliveryRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireWorkspace(ctx) };
  const tags = ['Deliveries'];

  app.get<{ Querystring: RawQuery }>('/v1/deliveries', {
    ...auth,
    schema: {
      tags,
      summary: 'List deliveries',
      querystring: QueryOf({
        endpoint_id: Type.Optional(Type.String()),
        event_id: Type.Optional(Type.String()),
        event_type: Type.Optional(Type.String({ description: 'Comma list' })),
        status: Type.Optional(Type.String({ description: 'Comma list of queued, delivering, succeeded, pending_retry, failed_permanent' })),
        start_time: Type.Optional(Type.String()),
        end_time: Type.Optional(Type.String()),
      }),
      response: { 200: ListOf(Delivery), ...AuthErrors },
    },
  }, async (request) => {
    const { params, fields, filters, tags: tagFilter } = parseListQuery(request.query, {
      sortFields: ['created_at', 'attempt_count'],
      fields: DELIVERY_FIELDS,
      filters: ['endpoint_id', 'event_id', 'event_type', 'status', 'start_time', 'end_time'],
      tags: true,
    });
    const endpointId = idParam('endpoint_id', filters.endpoint_id, 'ep');
    const eventId = idParam('event_id', filters.event_id, 'evt');
    const statuses = listParam('status', filters.status, isStatus, `a comma list of ${DELIVERY_STATUSES.join(', ')}`);
    const startTime = timeParam('start_time', filters.start_time);
    const endTime = timeParam('end_time', filters.end_time);
    const page = await listDeliveries(ctx, {
      workspaceId: workspaceOf(request),
      ...(endpointId !== undefined ? { endpointId } : {}),
      ...(eventId !== undefined ? { eventId } : {}),
      ...(filters.event_type !== undefined ? { eventTypes: filters.event_type.split(',').map((t) => t.trim()) } : {}),
      ...(statuses !== undefined ? { statuses } : {}),
      ...(startTime !== undefined ? { startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(tagFilter ? { tags: tagFilter } : {}),
    }, params);
    return { data: page.rows.map((row) => pickFields(deliveryJson(row), fields)), meta: listMeta(page.meta, request.id) };
  });

  app.get<{ Params: { id: string } }>('/v1/deliveries/:id', {
    ...auth,
    schema: {
      tags,
      summary: 'Get a delivery with its attempts',
      params: Params,
      response: { 200: Type.Object({ ...Delivery.properties, attempts: Type.Array(LogEntry) }), ...AuthErrors, 404: ErrorResponse },
    },
  }, async (request) => {
    const { delivery, attempts } = await getDelivery(ctx, workspaceOf(request), request.params.id);
    return { ...deliveryJson(delivery), attempts: attempts.map(logJson) };
  });

  app.post<{ Params: { id: string } }>('/v1/deliveries/:id/retry', {
    ...auth,
    schema: {
      tags,
      summary: 'Queue a manual attempt now (or right after the one in flight)',
      params: Params,
      response: { 202: RetryAccepted, ...AuthErrors, 404: ErrorResponse, 409: ErrorResponse },
    },
  }, async (request, reply) => {
    const delivery = await retryDelivery(ctx, workspaceOf(request), request.params.id);
    return reply.status(202).send(retryAcceptedJson(delivery));
  });
}
