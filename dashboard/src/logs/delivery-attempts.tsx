import { useEffect } from 'react';
import { unwrap } from '../api/api-error.ts';
import { ErrorState } from '../components/error-state.tsx';
import { HttpStatus } from '../components/http-status.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TimeText } from '../components/time-text.tsx';
import { useResource } from '../hooks/use-resource.ts';
import { formatDuration } from '../lib/format.ts';
import { Link } from '../routing/link.tsx';

/**
 * Every attempt of one delivery, in order, the current one marked. While `watchUntil` is in the
 * future (just after a retry) it reloads every second, so the new attempt shows up by itself.
 */
export function DeliveryAttempts({ deliveryId, currentId, watchUntil }: { deliveryId: string; currentId: string; watchUntil: number }) {
  const attempts = useResource(async ({ client }) => {
    const page = unwrap(await client.GET('/v1/logs', { params: { query: { delivery_id: deliveryId, sort: 'attempt', limit: '100' } } }));
    return page.data;
  }, [deliveryId]);

  const { reload } = attempts;
  useEffect(() => {
    if (watchUntil <= Date.now()) return;
    reload();
    const timer = setInterval(() => {
      if (Date.now() > watchUntil) clearInterval(timer);
      else reload();
    }, 1000);
    return () => clearInterval(timer);
  }, [watchUntil, reload]);

  if (attempts.error && !attempts.data) return <ErrorState error={attempts.error} onRetry={attempts.reload} what="the other attempts" />;
  if (!attempts.data) return <LoadingState label="Loading the attempts…" />;
  return (
    <ol className="attempt-list">
      {attempts.data.map((attempt) => (
        <li key={attempt.id} className={attempt.id === currentId ? 'attempt-current' : undefined}>
          <StatusBadge status={attempt.status} />
          {attempt.id === currentId ? (
            <strong aria-current="page">Attempt #{attempt.attempt} (this one)</strong>
          ) : (
            <Link to={`/logs/${attempt.id}`}>Attempt #{attempt.attempt}</Link>
          )}
          <span className="muted">{attempt.trigger === 'manual' ? 'manual retry' : 'scheduled'}</span>
          <HttpStatus status={attempt.http_status} errorCode={attempt.error?.code ?? null} />
          <span className="muted">{formatDuration(attempt.duration_ms)}</span>
          <TimeText iso={attempt.created_at} />
        </li>
      ))}
    </ol>
  );
}
