import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/app-error.ts';
import { authenticate, type Principal } from '../services/auth-service.ts';
import type { ServiceContext } from '../services/context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The key presented as `Authorization: Bearer <key>` or `X-API-Key: <key>`, if any. */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1]! : null;
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : null;
}

/** An onRequest hook (the key is checked before the body is read) that admits workspace keys (and returns 403 to the admin key, which owns no workspace). */
export function requireWorkspace(ctx: ServiceContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await resolve(ctx, request, reply);
    if (principal.kind !== 'workspace') {
      throw new AppError('FORBIDDEN', 'the admin key manages workspaces and keys; use a workspace API key here');
    }
  };
}

/** An onRequest hook that admits only the admin key (`HERALD_ADMIN_KEY`). */
export function requireAdmin(ctx: ServiceContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (ctx.config.adminKey === null) {
      await resolve(ctx, request, reply);
      throw new AppError('FORBIDDEN', 'admin routes are off: start Herald with HERALD_ADMIN_KEY to use them');
    }
    const principal = await resolve(ctx, request, reply);
    if (principal.kind !== 'admin') throw new AppError('FORBIDDEN', 'this route needs the admin key');
  };
}

async function resolve(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply): Promise<Principal> {
  const key = presentedKey(request);
  if (key === null) throw new AppError('UNAUTHORIZED', 'send your API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"');
  const principal = await authenticate(ctx, key);
  if (principal === null) throw new AppError('UNAUTHORIZED', 'the API key is not valid (it may have been deleted)');
  const limit = ctx.config.apiRateLimitPerS;
  if (limit > 0) {
    const permit = ctx.apiRateLimiter.take(principal.kind === 'admin' ? 'admin' : principal.keyId, limit, ctx.clock.now());
    if (!permit.allowed) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(permit.waitMs / 1000))));
      throw new AppError('RATE_LIMITED', `this key may make ${limit} requests per second (HERALD_API_RATE_LIMIT); retry after the Retry-After header`);
    }
  }
  request.principal = principal;
  return principal;
}

/** The caller's workspace id; only valid behind `requireWorkspace`. */
export function workspaceOf(request: FastifyRequest): string {
  if (request.principal?.kind !== 'workspace') throw new AppError('FORBIDDEN', 'this route needs a workspace API key');
  return request.principal.workspaceId;
}
