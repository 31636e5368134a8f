import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { ApiError, toApiError } from '../api/api-error.ts';
import { useApi, type ApiSession } from '../api/api-context.tsx';

/** A value loaded from the API, with its loading and error states. */
export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  /** Loads again (keeps showing the old data meanwhile). */
  reload: () => void;
}

/**
 * Runs `load` with the session whenever `deps` change, and returns its state. A 401 signs out
 * (the key was revoked); answers that arrive after newer ones started are dropped.
 */
export function useResource<T>(load: (session: ApiSession) => Promise<T>, deps: DependencyList): Resource<T> {
  const session = useApi();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const run = ++latest.current;
    setLoading(true);
    loadRef.current(session).then(
      (value) => {
        if (run !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (thrown: unknown) => {
        if (run !== latest.current) return;
        const failure = toApiError(thrown);
        if (failure.status === 401) session.signOut('Herald no longer accepts that API key. Paste a valid key to continue.');
        setError(failure);
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session, generation, ...deps]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, reload };
}
