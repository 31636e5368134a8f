import { useEffect } from 'react';
import { unwrap } from '../api/api-error.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { useResource } from '../hooks/use-resource.ts';
import { LogTable } from '../logs/log-table.tsx';

/** The endpoint's ten latest attempts; after a test event (`refreshKey` changes) it refreshes for a few seconds. */
export function EndpointRecentLogs({ endpointId, refreshKey }: { endpointId: string; refreshKey: number }) {
  const logs = useResource(async ({ client }) => {
    const page = unwrap(await client.GET('/v1/endpoints/{id}/logs', { params: { path: { id: endpointId }, query: { limit: '10' } } }));
    return page.data;
  }, [endpointId]);
  const { reload } = logs;
  useEffect(() => {
    if (refreshKey === 0) return;
    let n = 0;
    const timer = setInterval(() => {
      reload();
      if (++n >= 5) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [refreshKey, reload]);

  if (logs.error && !logs.data) return <ErrorState error={logs.error} onRetry={logs.reload} what="the latest attempts" />;
  if (!logs.data) return <LoadingState label="Loading the latest attempts…" />;
  if (logs.data.length === 0) return <EmptyState title="No attempts yet">Press “Send test event” to send one now.</EmptyState>;
  return <LogTable entries={logs.data} caption="Latest attempts to this endpoint" />;
}
