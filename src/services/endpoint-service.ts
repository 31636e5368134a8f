import { AppError } from '../domain/app-error.ts';
import { checkEndpointUrl } from '../delivery/address-guard.ts';
import { newId } from '../domain/ids.ts';
import { generateSecret } from '../domain/signature.ts';
import type { EndpointMethod } from '../domain/statuses.ts';
import type { EndpointRecord } from '../storage/records.ts';
import type { EndpointPatch, EndpointSortField } from '../storage/storage.ts';
import type { ServiceContext } from './context.ts';
import { assertNoProblems, eventTypeProblems, headerProblems, metadataProblems, secretProblems } from './endpoint-rules.ts';
import { paginate, type ListParams } from './paginate.ts';

/** Default `timeout_ms` of a new endpoint. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Default grace period of a secret rotation: 24 h. */
export const DEFAULT_ROTATION_GRACE_S = 86_400;

/** The fields a caller may set on an endpoint (API.md "Endpoints"), camelCased. */
export interface EndpointInput {
  url: string;
  description?: string | null;
  eventTypes?: string[] | null;
  method?: EndpointMethod;
  headers?: Record<string, string>;
  secret?: string;
  enabled?: boolean;
  timeoutMs?: number;
  maxAttempts?: number;
  rateLimitPerS?: number | null;
  metadata?: Record<string, unknown>;
}

export async function createEndpoint(ctx: ServiceContext, workspaceId: string, input: EndpointInput): Promise<EndpointRecord> {
  await checkInput(ctx, input);
  const now = ctx.clock.now();
  const enabled = input.enabled ?? true;
  const endpoint: EndpointRecord = {
    id: newId('ep', now),
    workspaceId,
    url: input.url,
    description: input.description ?? null,
    eventTypes: input.eventTypes ?? null,
    method: input.method ?? 'POST',
    headers: input.headers ?? {},
    secret: input.secret ?? generateSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    enabled,
    disabledReason: enabled ? null : 'disabled through the API',
    timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxAttempts: input.maxAttempts ?? ctx.config.retrySchedule.length + 1,
    rateLimitPerS: input.rateLimitPerS ?? null,
    metadata: input.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
  await ctx.storage.createEndpoint(endpoint);
  return endpoint;
}

export async function getEndpoint(ctx: ServiceContext, workspaceId: string, id: string): Promise<EndpointRecord> {
  const endpoint = await ctx.storage.getEndpoint(workspaceId, id);
  if (!endpoint) throw new AppError('ENDPOINT_NOT_FOUND', `no endpoint ${id} in this workspace`);
  return endpoint;
}

export async function listEndpoints(ctx: ServiceContext, workspaceId: string, params: ListParams<EndpointSortField>) {
  return paginate(ctx.cursors, params, {
    scope: 'endpoints',
    filters: { workspaceId },
    read: (window) => ctx.storage.listEndpoints(workspaceId, window),
    count: () => ctx.storage.countEndpoints(workspaceId),
    sortValue: (row, field) => (field === 'updated_at' ? row.updatedAt : row.createdAt),
    id: (row) => row.id,
  });
}

/** Applies the given fields. Enabling clears `disabled_reason`; disabling sets one. */
export async function updateEndpoint(ctx: ServiceContext, workspaceId: string, id: string, input: Partial<EndpointInput>): Promise<EndpointRecord> {
  const current = await getEndpoint(ctx, workspaceId, id);
  await checkInput(ctx, { ...input, url: input.url ?? current.url }, input.url !== undefined);
  const patch: EndpointPatch = { updatedAt: ctx.clock.now() };
  if (input.url !== undefined) patch.url = input.url;
  if (input.description !== undefined) patch.description = input.description;
  if (input.eventTypes !== undefined) patch.eventTypes = input.eventTypes;
  if (input.method !== undefined) patch.method = input.method;
  if (input.headers !== undefined) patch.headers = input.headers;
  if (input.secret !== undefined) patch.secret = input.secret;
  if (input.timeoutMs !== undefined) patch.timeoutMs = input.timeoutMs;
  if (input.maxAttempts !== undefined) patch.maxAttempts = input.maxAttempts;
  if (input.rateLimitPerS !== undefined) patch.rateLimitPerS = input.rateLimitPerS;
  if (input.metadata !== undefined) patch.metadata = input.metadata;
  if (input.enabled !== undefined && input.enabled !== current.enabled) {
    patch.enabled = input.enabled;
    patch.disabledReason = input.enabled ? null : 'disabled through the API';
  }
  const updated = await ctx.storage.updateEndpoint(workspaceId, id, patch);
  if (!updated) throw new AppError('ENDPOINT_NOT_FOUND', `no endpoint ${id} in this workspace`);
  return updated;
}

/** Deletes the endpoint. Its log stays readable; deliveries still pending end `failed_permanent`. */
export async function deleteEndpoint(ctx: ServiceContext, workspaceId: string, id: string): Promise<void> {
  if (!(await ctx.storage.deleteEndpoint(workspaceId, id, ctx.clock.now()))) {
    throw new AppError('ENDPOINT_NOT_FOUND', `no endpoint ${id} in this workspace`);
  }
}

/**
 * Replaces the secret (given, or generated). For `graceS` seconds the old one keeps signing too,
 * so receivers can switch without dropping a webhook.
 */
export async function rotateSecret(
  ctx: ServiceContext,
  workspaceId: string,
  id: string,
  options: { graceS?: number; secret?: string },
): Promise<EndpointRecord> {
  const current = await getEndpoint(ctx, workspaceId, id);
  if (options.secret !== undefined) assertNoProblems(secretProblems(options.secret));
  const now = ctx.clock.now();
  const graceS = options.graceS ?? DEFAULT_ROTATION_GRACE_S;
  const updated = await ctx.storage.updateEndpoint(workspaceId, id, {
    updatedAt: now,
    secret: options.secret ?? generateSecret(),
    previousSecret: graceS > 0 ? current.secret : null,
    previousSecretExpiresAt: graceS > 0 ? now + graceS * 1000 : null,
  });
  if (!updated) throw new AppError('ENDPOINT_NOT_FOUND', `no endpoint ${id} in this workspace`);
  return updated;
}

/** The secrets that sign a request now: the current one, and the previous one during its grace period. */
export function signingSecrets(endpoint: EndpointRecord, nowMs: number): string[] {
  const previousValid = endpoint.previousSecret !== null && (endpoint.previousSecretExpiresAt ?? 0) > nowMs;
  return previousValid ? [endpoint.secret, endpoint.previousSecret!] : [endpoint.secret];
}

async function checkInput(ctx: ServiceContext, input: Partial<EndpointInput> & { url: string }, checkUrl = true): Promise<void> {
  if (checkUrl) {
    const verdict = await checkEndpointUrl(input.url, {
      allowHttp: ctx.config.allowHttp,
      allowPrivateNetworks: ctx.config.allowPrivateNetworks,
      ...(ctx.lookup ? { lookup: ctx.lookup } : {}),
    });
    if (!verdict.ok) throw new AppError('VALIDATION_FAILED', verdict.message, [{ field: 'url', message: verdict.message }]);
  }
  assertNoProblems([
    ...(input.headers ? headerProblems(input.headers) : []),
    ...(input.eventTypes ? eventTypeProblems(input.eventTypes) : []),
    ...(input.metadata ? metadataProblems(input.metadata) : []),
    ...(input.secret !== undefined ? secretProblems(input.secret) : []),
  ]);
}
