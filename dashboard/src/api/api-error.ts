/**
 * API errors in the dashboard are the typed client's own (`HeraldApiError`: status, contract code,
 * message, details, request id); this adds the one case the client leaves to callers: no answer at all.
 */
import { HeraldApiError } from '../../../src/client/index.ts';

export { HeraldApiError as ApiError, unwrap } from '../../../src/client/index.ts';

/** Any thrown value → a HeraldApiError; a failed fetch becomes status 0, code `NETWORK`. */
export function toApiError(thrown: unknown): HeraldApiError {
  if (thrown instanceof HeraldApiError) return thrown;
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return new HeraldApiError(0, { error: { code: 'NETWORK', message: `Herald could not be reached (${reason}). Check that it is running, then try again.` } });
}
