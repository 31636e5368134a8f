import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { invalidRequest } from '../../domain/app-error.ts';
import { ATTEMPT_STATUSES, ATTEMPT_TRIGGERS } from '../../domain/statuses.ts';
import type { ServiceContext } from '../../services/context.ts';
import { getEndpoint } from '../../services/endpoint-service.ts';
import { getLog, listLogs, retryLog } from '../../services/log-service.ts';
import type { HttpStatusFilter } from '../../storage/list-query.ts';
import type { AttemptFilters } from '../../storage/storage.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { listMeta, logDetailJson, logJson, pickFields } from '../presenters.ts';
import { enumParam, idParam, integerParam, listParam, parseListQuery, timeParam, type RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams, ListOf, QueryOf } from '../schemas/common.ts';
import { LogDetail, LogEntry, RetryAccepted } from '../schemas/resources.ts';
import { retryAcceptedJson } from './delivery-routes.ts';

const LOG_FIELDS = Object.keys(LogEntry.properties);
const COMPARISONS = ['gte', 'gt', 'lte', 'lt'] as const;
const LOG_FILTERS = [
  'endpoint_id', 'delivery_id', 'event_id', 'event_type', 'status', 'http_status',
  ...COMPARISONS.map((op) => `http_status[${op}]`), 'http_method', 'trigger', 'attempt', 'start_time', 'end_time', 'search',
];

export const LogQuery = QueryOf({
  endpoint_id: Type.Optional(Type.String()),
  delivery_id: Type.Optional(Type.String()),
  event_id: Type.Optional(Type.String()),
  event_type: Type.Optional(Type.String({ description: 'Comma list' })),
  status: Type.Optional(Type.String({ description: 'succeeded or failed' })),
  http_status: Type.Optional(Type.String({ description: 'Comma list of exact codes or classes 1xx–5xx' })),
  'http_status[gte]': Type.Optional(Type.String()),
  'http_status[gt]': Type.Optional(Type.String()),
  'http_status[lte]': Type.Optional(Type.String()),
  'http_status[lt]': Type.Optional(Type.String()),
  http_method: Type.Optional(Type.String({ description: 'Comma list of POST, PUT, PATCH' })),
  trigger: Type.Optional(Type.String({ description: 'scheduled or manual' })),
  attempt: Type.Optional(Type.String({ description: 'Attempt number (comma list)' })),
  start_time: Type.Optional(Type.String({ description: 'created_at ≥ this (ISO 8601)' })),
  end_time: Type.Optional(Type.String({ description: 'created_at < this (ISO 8601)' })),
  search: Type.Optional(Type.String({
    description: 'Words, each matched as a word prefix, all required, in the endpoint URL, event type, error message, request body or response body',
  })),
});

function httpStatusFilter(filters: Record<string, string>): HttpStatusFilter | undefined {
  const filter: HttpStatusFilter = {};
  if (filters.http_status !== undefined) {
    for (const item of filters.http_status.split(',').map((s) => s.trim())) {
      if (/^[1-5]xx$/i.test(item)) (filter.classes ??= []).push(Number(item[0]));
      else if (/^[1-5]\d\d$/.test(item)) (filter.exact ??= []).push(Number(item));
      else throw invalidRequest('http_status', `must be a status code (404) or a class (4xx), not "${item}"`);
    }
  }
  for (const op of COMPARISONS) {
    const text = filters[`http_status[${op}]`];
    if (text !== undefined) filter[op] = integerParam(`http_status[${op}]`, text, 0, 100, 599);
  }
  return Object.keys(filter).length > 0 ? filter : undefined;
}

function searchParam(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.length > 256) throw invalidRequest('search', 'must be at most 256 characters');
  if (!/[\p{L}\p{N}]/u.test(text)) throw invalidRequest('search', 'must contain at least one letter or digit');
  return text.trim();
}

/** Reads the log filters of API.md from a query; `endpointId` pins the endpoint (the nested route). */
export function parseLogQuery(query: RawQuery, workspaceId: string, endpointId?: string) {
  const parsed = parseListQuery(query, {
    sortFields: ['created_at', 'duration_ms', 'http_status', 'attempt'],
    fields: LOG_FIELDS,
    filters: LOG_FILTERS,
    tags: true,
  });
  const { filters } = parsed;
  const given = idParam('endpoint_id', filters.endpoint_id, 'ep');
  const deliveryId = idParam('delivery_id', filters.delivery_id, 'dlv');
  const eventId = idParam('event_id', filters.event_id, 'evt');
  const status = enumParam('status', filters.status, ATTEMPT_STATUSES);
  const trigger = enumParam('trigger', filters.trigger, ATTEMPT_TRIGGERS);
  const methods = listParam('http_method', filters.http_method?.toUpperCase(), (m): m is string => ['POST', 'PUT', 'PATCH'].includes(m), 'a comma list of POST, PUT, PATCH');
  const attempts = filters.attempt?.split(',').map((a) => integerParam('attempt', a.trim(), 1, 1, 1000));
  const httpStatus = httpStatusFilter(filters);
  const startTime = timeParam('start_time', filters.start_time);
  const endTime = timeParam('end_time', filters.end_time);
  const search = searchParam(filters.search);
  if (endpointId !== undefined && given !== undefined && given !== endpointId) {
    throw invalidRequest('endpoint_id', 'differs from the endpoint in the path');
  }
  const pinned = endpointId ?? given;
  const attemptFilters: AttemptFilters = {
    workspaceId,
    ...(pinned !== undefined ? { endpointId: pinned } : {}),
    ...(deliveryId !== undefined ? { deliveryId } : {}),
    ...(eventId !== undefined ? { eventId } : {}),
    ...(filters.event_type !== undefined ? { eventTypes: filters.event_type.split(',').map((t) => t.trim()) } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(methods !== undefined ? { httpMethods: methods } : {}),
    ...(trigger !== undefined ? { trigger } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(startTime !== undefined ? { startTime } : {}),
    ...(endTime !== undefined ? { endTime } : {}),
    ...(parsed.tags ? { tags: parsed.tags } : {}),
    ...(search !== undefined ? { search } : {}),
  };
  return { filters: attemptFilters, params: parsed.params, fields: parsed.fields };
}

/** `/v1/logs…` and `/v1/endpoints/{id}/logs`: the delivery log, one entry per HTTP attempt. */
export function logRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireWorkspace(ctx) };
  const tags = ['Logs'];

  const list = async (request: FastifyRequest<{ Querystring: RawQuery }>, endpointId?: string) => {
    const { filters, params, fields } = parseLogQuery(request.query, workspaceOf(request), endpointId);
    const page = await listLogs(ctx, filters, params);
    return { data: page.rows.map((row) => pickFields(logJson(row), fields)), meta: listMeta(page.meta, request.id) };
  };

  app.get<{ Querystring: RawQuery }>('/v1/logs', {
    ...auth,
    schema: { tags, summary: 'List log entries (every filter combinable)', querystring: LogQuery, response: { 200: ListOf(LogEntry), ...AuthErrors } },
  }, (request) => list(request));

  app.get<{ Querystring: RawQuery; Params: { id: string } }>('/v1/endpoints/:id/logs', {
    ...auth,
    schema: { tags, summary: "List one endpoint's log entries", params: IdParams('id', 'ep'), querystring: LogQuery, response: { 200: ListOf(LogEntry), ...AuthErrors, 404: ErrorResponse } },
  }, async (request) => {
    await getEndpoint(ctx, workspaceOf(request), request.params.id);
    return list(request, request.params.id);
  });

  app.get<{ Params: { id: string } }>('/v1/logs/:id', {
    ...auth,
    schema: { tags, summary: 'Get a log entry with its request and response', params: IdParams('id', 'log'), response: { 200: LogDetail, ...AuthErrors, 404: ErrorResponse } },
  }, async (request) => {
    const { attempt, detail, event } = await getLog(ctx, workspaceOf(request), request.params.id);
    return logDetailJson(attempt, detail, event?.payload ?? null);
  });

  app.post<{ Params: { id: string } }>('/v1/logs/:id/retry', {
    ...auth,
    schema: { tags, summary: "Retry the entry's delivery; the new attempt is a new entry", params: IdParams('id', 'log'), response: { 202: RetryAccepted, ...AuthErrors, 404: ErrorResponse, 409: ErrorResponse } },
  }, async (request, reply) => reply.status(202).send(retryAcceptedJson(await retryLog(ctx, workspaceOf(request), request.params.id))));
}
