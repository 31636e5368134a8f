/** The contract's error codes (API.md "Errors"), plus the ones Herald adds. */
export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ENDPOINT_NOT_FOUND'
  | 'EVENT_NOT_FOUND'
  | 'DELIVERY_NOT_FOUND'
  | 'LOG_NOT_FOUND'
  | 'WORKSPACE_NOT_FOUND'
  | 'API_KEY_NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'VALIDATION_FAILED'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'STORAGE_FULL'
  | 'INTERNAL';

/** One field's problem, as listed in `error.details`. */
export interface ErrorDetail {
  field: string;
  message: string;
}

/**
 * An expected failure of a request, carrying the contract's code. Services throw it; the HTTP
 * layer alone decides the status and writes the contract's error body.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** A 422 naming one field. */
export function validationFailed(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field} ${message}`, [{ field, message }]);
}

/** A 400 naming one query parameter. */
export function invalidRequest(field: string, message: string): AppError {
  return new AppError('INVALID_REQUEST', `${field} ${message}`, [{ field, message }]);
}

/** Turns anything thrown into an Error, keeping the original as `cause`. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : 'non-error thrown', { cause: thrown });
}
