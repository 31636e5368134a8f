import { useCallback, useState } from 'react';
import { ApiError, toApiError } from '../api/api-error.ts';
import { useApi, type ApiSession } from '../api/api-context.tsx';

/** A button's API call: whether it runs, and how it ended. */
export interface Action<A extends unknown[]> {
  run: (...args: A) => Promise<boolean>;
  running: boolean;
  error: ApiError | null;
  /** A short success message set by the caller's `done` text. */
  message: string | null;
  clear: () => void;
}

/**
 * Wraps a mutating call (retry, rotate, test…): `run` resolves true on success, sets `message`
 * to `done` (a text, or a function of the result), and keeps the error to show beside the button.
 */
export function useAction<A extends unknown[], R>(call: (session: ApiSession, ...args: A) => Promise<R>, done: string | ((result: R) => string)): Action<A> {
  const session = useApi();
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const run = useCallback(async (...args: A) => {
    setRunning(true);
    setError(null);
    setMessage(null);
    try {
      const result = await call(session, ...args);
      setMessage(typeof done === 'string' ? done : done(result));
      return true;
    } catch (thrown) {
      const failure = toApiError(thrown);
      if (failure.status === 401) session.signOut('Herald no longer accepts that API key. Paste a valid key to continue.');
      setError(failure);
      return false;
    } finally {
      setRunning(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

  const clear = useCallback(() => {
    setError(null);
    setMessage(null);
  }, []);
  return { run, running, error, message, clear };
}
