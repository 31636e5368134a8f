import { useEffect, useState } from 'react';
import { createHeraldClient, streamLogs, type LogEntry, type LogFilters } from '../../../src/client/index.ts';
import { useApi } from '../api/api-context.tsx';
import { toApiError } from '../api/api-error.ts';

/** At most this many live entries are kept; older ones are reached by turning Live off. */
const MAX_ENTRIES = 500;

export interface LiveTail {
  entries: LogEntry[];
  /** `connecting` also while waiting to reconnect; `closed` after an error. */
  state: 'off' | 'connecting' | 'open' | 'closed';
  error: string | null;
}

/**
 * Tails `/v1/logs/stream` with `filters` while `enabled`, newest first. EventSource cannot send
 * the key in a header, so the stream is read with fetch by the typed client's `streamLogs`, which
 * parses the events and resumes with Last-Event-ID after a drop.
 */
export function useLiveTail(filters: Record<string, string>, enabled: boolean): LiveTail {
  const { baseUrl, apiKey, signOut } = useApi();
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [state, setState] = useState<LiveTail['state']>('off');
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(filters);

  useEffect(() => {
    setEntries([]);
    setError(null);
    if (!enabled) {
      setState('off');
      return;
    }
    setState('connecting');
    const abort = new AbortController();
    // A client of its own, to learn when the stream's response arrives (the stream is then open).
    const client = createHeraldClient({
      baseUrl,
      apiKey,
      fetch: async (input) => {
        const response = await fetch(input);
        if (response.ok && !abort.signal.aborted) setState('open');
        return response;
      },
    });
    const { sort: _sort, limit: _limit, ...query } = filters;
    void (async () => {
      try {
        const stream = streamLogs(client, { filters: query as LogFilters, signal: abort.signal, onReconnect: () => setState('connecting') });
        for await (const { entry } of stream) setEntries((previous) => [entry, ...previous].slice(0, MAX_ENTRIES));
      } catch (thrown) {
        if (abort.signal.aborted) return;
        const failure = toApiError(thrown);
        if (failure.status === 401) signOut('Herald no longer accepts that API key. Paste a valid key to continue.');
        setError(`${failure.message} (${failure.code})`);
        setState('closed');
      }
    })();
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [baseUrl, apiKey, key, enabled]);

  return { entries, state: enabled ? state : 'off', error };
}
