import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, coerceError, type ErrorCode, type ErrorDetail } from '../domain/app-error.ts';
import { StorageFullError, StorageIoError } from '../storage/storage-errors.ts';

/** The HTTP status of each error code: the contract's table, plus Herald's additions. */
export const STATUS_OF: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404,
  LOG_NOT_FOUND: 404,
  WORKSPACE_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  VALIDATION_FAILED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  STORAGE_FULL: 503,
};

/** `Retry-After` (seconds) on a 503 `STORAGE_FULL`: space rarely comes back within a second. */
const STORAGE_FULL_RETRY_AFTER_S = 5;

/** The contract's error body. */
export function errorBody(code: ErrorCode, message: string, details: ErrorDetail[], requestId: string) {
  return { error: { code, message, ...(details.length > 0 ? { details } : {}) }, meta: { request_id: requestId } };
}

/**
 * Installs the one handler that turns anything thrown into the contract's error shape: never a
 * stack trace, and unexpected errors logged with the request id so they can be found.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown: unknown, request, reply) => {
    const error = toAppError(thrown);
    const status = STATUS_OF[error.code];
    if (status >= 500) request.log.error({ err: coerceError(thrown) }, 'request failed');
    if ((error.code === 'RATE_LIMITED' || error.code === 'SERVICE_UNAVAILABLE') && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
    if (error.code === 'STORAGE_FULL' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(STORAGE_FULL_RETRY_AFTER_S));
    return reply.status(status).send(errorBody(error.code, error.message, error.details, request.id));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`, [], request.id)),
  );
}

function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;
  const error = thrown as Partial<FastifyError> & { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }> };
  if (error.validation) {
    const inBody = error.validationContext === 'body';
    const details = error.validation.map((issue) => {
      const missing = typeof issue.params?.missingProperty === 'string' ? `/${issue.params.missingProperty}` : '';
      const extra = typeof issue.params?.additionalProperty === 'string' ? `/${issue.params.additionalProperty}` : '';
      const field = `${issue.instancePath}${missing}${extra}`.replace(/^\//, '').replaceAll('/', '.') || (error.validationContext ?? 'request');
      const message = extra ? 'is not a known field' : (issue.message ?? 'is invalid');
      return { field, message };
    });
    const first = details[0];
    const message = first ? `${first.field} ${first.message}` : 'the request is invalid';
    return new AppError(inBody ? 'VALIDATION_FAILED' : 'INVALID_REQUEST', message, details);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('INVALID_REQUEST', 'the body must be JSON, sent with content-type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_REQUEST', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('INVALID_REQUEST', 'the body is not valid JSON');
  }
  if (error.statusCode === 400 && thrown instanceof SyntaxError) return new AppError('INVALID_REQUEST', 'the body is not valid JSON');
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('INVALID_REQUEST', error.message ?? 'the request is invalid');
  }
  if (storageFull(thrown)) {
    return new AppError('STORAGE_FULL', 'the database is out of disk space, so nothing was written; try again later (send an Idempotency-Key so a retry cannot publish twice)', [], { cause: thrown });
  }
  if (isStorageUnavailable(thrown)) {
    return new AppError('SERVICE_UNAVAILABLE', 'storage is not answering; try again shortly (send an Idempotency-Key so a retry cannot publish twice)', [], { cause: thrown });
  }
  return new AppError('INTERNAL', 'something went wrong inside Herald; the error is logged with this request id', [], { cause: thrown });
}

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when `thrown` (or an error it wraps) says the database could not be reached or dropped the
 * connection — a server down, restarting, out of connections, or a session terminated — as opposed to
 * a fault in Herald: a 503 the client may retry, not a 500.
 */
export function isStorageUnavailable(thrown: unknown): boolean {
  for (let error = thrown, depth = 0; error instanceof Error && depth < 5; error = error.cause, depth += 1) {
    if (error instanceof StorageIoError) return true;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_ERRORS.has(code) || /^(08|57P0[1-3]$|53300$)/.test(code))) return true;
    if (/^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/.test(error.message)) return true;
  }
  return false;
}

/** True when `thrown` (or an error it wraps) is storage saying its disk is full. */
function storageFull(thrown: unknown): boolean {
  for (let error = thrown, depth = 0; error instanceof Error && depth < 5; error = error.cause, depth += 1) {
    if (error instanceof StorageFullError) return true;
  }
  return false;
}
