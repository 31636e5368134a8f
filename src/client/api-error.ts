/** The contract's error body: `{ error: { code, message, details? }, meta: { request_id } }`. */
interface ContractErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
  meta?: { request_id?: unknown };
}

/** One field-level problem of a `VALIDATION_FAILED` or `INVALID_REQUEST` answer. */
export interface HeraldErrorDetail {
  field: string;
  message: string;
}

/**
 * An API call that did not succeed, carrying the contract's error code (`LOG_NOT_FOUND`,
 * `VALIDATION_FAILED`, …), its message and details, the HTTP status and the request id.
 * An answer without the contract's body (a proxy's 502, say) gets the code `HTTP_<status>`.
 */
export class HeraldApiError extends Error {
  override name = 'HeraldApiError';
  readonly status: number;
  readonly code: string;
  readonly details: HeraldErrorDetail[];
  readonly requestId: string | null;

  constructor(status: number, body: unknown) {
    const parsed = (typeof body === 'object' && body !== null ? body : {}) as ContractErrorBody;
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : `HTTP_${status}`;
    const message = typeof parsed.error?.message === 'string'
      ? parsed.error.message
      : typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 500) : `the API answered ${status}`;
    super(message);
    this.status = status;
    this.code = code;
    this.details = Array.isArray(parsed.error?.details) ? parsed.error.details.filter(isDetail) : [];
    this.requestId = typeof parsed.meta?.request_id === 'string' ? parsed.meta.request_id : null;
  }
}

function isDetail(value: unknown): value is HeraldErrorDetail {
  const detail = value as Partial<HeraldErrorDetail> | null;
  return typeof detail?.field === 'string' && typeof detail.message === 'string';
}

/**
 * Returns the data of an openapi-fetch result, or throws {@link HeraldApiError} when the API
 * answered an error (any non-2xx status).
 *
 *   const log = unwrap(await herald.GET('/v1/logs/{id}', { params: { path: { id } } }));
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw new HeraldApiError(result.response.status, result.error);
  return result.data as T;
}
