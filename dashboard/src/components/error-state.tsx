import type { ApiError } from '../api/api-error.ts';

/** A failed load: what Herald said, its request id (for the logs), and a way to try again. */
export function ErrorState({ error, onRetry, what = 'this page' }: { error: ApiError; onRetry?: () => void; what?: string }) {
  const notFound = error.status === 404;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{notFound ? `Herald has no ${what} with that id` : `Could not load ${what}`}</p>
      <p className="state-hint">
        {error.message} <span className="muted">({error.code}{error.requestId ? `, request ${error.requestId}` : ''})</span>
      </p>
      {onRetry && !notFound ? (
        <div className="state-action">
          <button type="button" className="button" onClick={onRetry}>Try again</button>
        </div>
      ) : null}
    </div>
  );
}
