import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { toIso } from '../../domain/clock.ts';
import { createApiKey, createWorkspace, deleteApiKey, listWorkspaces } from '../../services/auth-service.ts';
import type { ServiceContext } from '../../services/context.ts';
import { requireAdmin } from '../auth.ts';
import { listMeta, workspaceJson } from '../presenters.ts';
import { parseListQuery, type RawQuery } from '../query-parser.ts';
import { AuthErrors, ErrorResponse, IdParams, ListOf, QueryOf, Timestamp } from '../schemas/common.ts';
import { NO_NUL, Workspace } from '../schemas/resources.ts';

const NameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL }) }, { additionalProperties: false });
const CreatedKey = Type.Object({ id: Type.String(), name: Type.String(), key: Type.String({ description: 'Shown this once; stored hashed' }), created_at: Timestamp });

/** Admin-key routes: workspaces and their API keys. */
export function adminRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const auth = { onRequest: requireAdmin(ctx) };
  const tags = ['Admin'];
  const errors = { ...AuthErrors, 403: ErrorResponse };

  app.post<{ Body: Static<typeof NameBody> }>('/v1/workspaces', {
    ...auth,
    schema: { tags, summary: 'Create a workspace', body: NameBody, response: { 201: Workspace, ...errors, 422: ErrorResponse } },
  }, async (request, reply) => reply.status(201).send(workspaceJson(await createWorkspace(ctx, request.body.name))));

  app.get<{ Querystring: RawQuery }>('/v1/workspaces', {
    ...auth,
    schema: { tags, summary: 'List workspaces', querystring: QueryOf({}), response: { 200: ListOf(Workspace), ...errors } },
  }, async (request) => {
    const { params } = parseListQuery(request.query, { sortFields: ['created_at'], fields: [], filters: [], tags: false });
    const page = await listWorkspaces(ctx, params);
    return { data: page.rows.map(workspaceJson), meta: listMeta(page.meta, request.id) };
  });

  app.post<{ Params: { id: string }; Body: Static<typeof NameBody> }>('/v1/workspaces/:id/api-keys', {
    ...auth,
    schema: { tags, summary: 'Create an API key (shown once)', params: IdParams('id', 'ws'), body: NameBody, response: { 201: CreatedKey, ...errors, 404: ErrorResponse } },
  }, async (request, reply) => {
    const key = await createApiKey(ctx, request.params.id, request.body.name);
    return reply.status(201).send({ id: key.id, name: key.name, key: key.key, created_at: toIso(key.createdAt) });
  });

  app.delete<{ Params: { id: string } }>('/v1/api-keys/:id', {
    ...auth,
    schema: { tags, summary: 'Delete an API key; it stops working at once', params: IdParams('id', 'key'), response: { 204: { type: 'null' }, ...errors, 404: ErrorResponse } },
  }, async (request, reply) => {
    await deleteApiKey(ctx, request.params.id);
    return reply.status(204).send();
  });
}
