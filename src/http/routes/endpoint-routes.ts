import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { ServiceContext } from '../../services/context.ts';
import * as endpoints from '../../services/endpoint-service.ts';
import type { EndpointInput } from '../../services/endpoint-service.ts';
import { publishEvents } from '../../services/publish-service.ts';
import { requireWorkspace, workspaceOf } from '../auth.ts';
import { endpointJson, listMeta, pickFields } from '../presenters.ts';
import { parseListQuery, type RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams, ListOf, QueryOf } from '../schemas/common.ts';
import { Endpoint, EndpointCreate, EndpointPatch, PublishedEvent, SecretRotate } from '../schemas/resources.ts';
import { publishedJson } from './event-routes.ts';

const ENDPOINT_FIELDS = Object.keys(Endpoint.properties);
const SecretJson = Type.Object({ secret: Type.String({ description: 'whsec_<base64>: verify webhook-signature with it' }) });
const RotatedSecretJson = Type.Object({
  secret: Type.String({ description: 'The new secret' }),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Until then the old secret signs too' }),
});
const Params = IdParams('id', 'ep');
type Params = { id: string };

/** API body (snake_case) → service input. */
function toInput(body: Partial<Static<typeof EndpointCreate>>): Partial<EndpointInput> {
  const input: Partial<EndpointInput> = {};
  if (body.url !== undefined) input.url = body.url;
  if (body.description !== undefined) input.description = body.description;
  if (body.event_types !== undefined) input.eventTypes = body.event_types;
  if (body.method !== undefined) input.method = body.method;
  if (body.headers !== undefined) input.headers = body.headers;
  if (body.secret !== undefined) input.secret = body.secret;
  if (body.enabled !== undefined) input.enabled = body.enabled;
  if (body.timeout_ms !== undefined) input.timeoutMs = body.timeout_ms;
  if (body.max_attempts !== undefined) input.maxAttempts = body.max_attempts;
  if (body.rate_limit_per_s !== undefined) input.rateLimitPerS = body.rate_limit_per_s;
  if (body.metadata !== undefined) input.metadata = body.metadata;
  return input;
}

/** `/v1/endpoints…`: webhook subscriptions, their secrets, and a test send. */
export function endpointRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireWorkspace(ctx) };
  const tags = ['Endpoints'];
  const notFound = { ...AuthErrors, 404: ErrorResponse };

  app.post<{ Body: Static<typeof EndpointCreate> }>('/v1/endpoints', {
    ...auth,
    schema: { tags, summary: 'Create an endpoint', body: EndpointCreate, response: { 201: Endpoint, ...AuthErrors, 422: ErrorResponse } },
  }, async (request, reply) => {
    const endpoint = await endpoints.createEndpoint(ctx, workspaceOf(request), toInput(request.body) as EndpointInput);
    return reply.status(201).send(endpointJson(endpoint));
  });

  app.get<{ Querystring: RawQuery }>('/v1/endpoints', {
    ...auth,
    schema: { tags, summary: 'List endpoints', querystring: QueryOf({}), response: { 200: ListOf(Endpoint), ...AuthErrors } },
  }, async (request) => {
    const { params, fields } = parseListQuery(request.query, { sortFields: ['created_at', 'updated_at'], fields: ENDPOINT_FIELDS, filters: [], tags: false });
    const page = await endpoints.listEndpoints(ctx, workspaceOf(request), params);
    return { data: page.rows.map((row) => pickFields(endpointJson(row), fields)), meta: listMeta(page.meta, request.id) };
  });

  app.get<{ Params: Params }>('/v1/endpoints/:id', {
    ...auth,
    schema: { tags, summary: 'Get an endpoint', params: Params, response: { 200: Endpoint, ...notFound } },
  }, async (request) => endpointJson(await endpoints.getEndpoint(ctx, workspaceOf(request), request.params.id)));

  app.patch<{ Params: Params; Body: Static<typeof EndpointPatch> }>('/v1/endpoints/:id', {
    ...auth,
    schema: { tags, summary: 'Change an endpoint', params: Params, body: EndpointPatch, response: { 200: Endpoint, ...notFound, 422: ErrorResponse } },
  }, async (request) => endpointJson(await endpoints.updateEndpoint(ctx, workspaceOf(request), request.params.id, toInput(request.body))));

  app.delete<{ Params: Params }>('/v1/endpoints/:id', {
    ...auth,
    schema: { tags, summary: 'Delete an endpoint (its log stays)', params: Params, response: { 204: { type: 'null' }, ...notFound } },
  }, async (request, reply) => {
    await endpoints.deleteEndpoint(ctx, workspaceOf(request), request.params.id);
    return reply.status(204).send();
  });

  app.get<{ Params: Params }>('/v1/endpoints/:id/secret', {
    ...auth,
    schema: { tags, summary: "Reveal an endpoint's signing secret", params: Params, response: { 200: SecretJson, ...notFound } },
  }, async (request) => {
    const endpoint = await endpoints.getEndpoint(ctx, workspaceOf(request), request.params.id);
    return { secret: endpoint.secret };
  });

  app.post<{ Params: Params; Body: Static<typeof SecretRotate> | undefined }>('/v1/endpoints/:id/secret/rotate', {
    ...auth,
    // Every field is optional, so no body at all means the defaults (the schema alone would refuse it).
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: { tags, summary: 'Rotate the secret; the old one keeps signing during the grace period', params: Params, body: SecretRotate, response: { 200: RotatedSecretJson, ...notFound, 422: ErrorResponse } },
  }, async (request) => {
    const body = request.body ?? {};
    const endpoint = await endpoints.rotateSecret(ctx, workspaceOf(request), request.params.id, {
      ...(body.grace_period_s !== undefined ? { graceS: body.grace_period_s } : {}),
      ...(body.secret !== undefined ? { secret: body.secret } : {}),
    });
    return {
      secret: endpoint.secret,
      previous_secret_expires_at: endpoint.previousSecretExpiresAt === null ? null : new Date(endpoint.previousSecretExpiresAt).toISOString(),
    };
  });

  app.post<{ Params: Params }>('/v1/endpoints/:id/test', {
    ...auth,
    schema: { tags, summary: 'Send a herald.test event to this endpoint only', params: Params, response: { 202: PublishedEvent, ...notFound } },
  }, async (request, reply) => {
    const workspaceId = workspaceOf(request);
    const endpoint = await endpoints.getEndpoint(ctx, workspaceId, request.params.id);
    const payload = { type: 'herald.test', message: 'A test event from Herald', endpoint_id: endpoint.id, sent_at: new Date(ctx.clock.now()).toISOString() };
    const { response } = await publishEvents(ctx, workspaceId, [{ type: 'herald.test', payload, endpointIds: [endpoint.id] }], {
      requestBody: null,
      forceEndpointIds: true,
      render: (published) => publishedJson(published[0]!),
    });
    return reply.status(202).send(response);
  });
}
