import type { ApiError } from '../api/api-error.ts';

/** The outcome of a button beside it: a success line, or Herald's error message. */
export function Notice({ message, error }: { message: string | null; error: ApiError | null }) {
  if (error) return <p className="notice notice-error" role="alert">{error.message} <span className="muted">({error.code})</span></p>;
  if (message) return <p className="notice notice-ok" role="status">{message}</p>;
  return null;
}
