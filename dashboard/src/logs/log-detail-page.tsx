import { useState } from 'react';
import { unwrap } from '../api/api-error.ts';
import { BodyView } from '../components/body-view.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { HeadersTable } from '../components/headers-table.tsx';
import { HttpStatus } from '../components/http-status.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { Notice } from '../components/notice.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TimingBar } from '../charts/timing-bar.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useResource } from '../hooks/use-resource.ts';
import { Link } from '../routing/link.tsx';
import { DeliveryAttempts } from './delivery-attempts.tsx';
import { lastLogsHref } from './last-logs-href.ts';
import { LogSummary } from './log-summary.tsx';

/** How long the attempt list keeps refreshing after a retry. */
const WATCH_AFTER_RETRY_MS = 15_000;

/** One attempt: its facts, timing, the delivery's other attempts, request and response, and Retry. */
export function LogDetailPage({ id }: { id: string }) {
  const log = useResource(async ({ client }) => unwrap(await client.GET('/v1/logs/{id}', { params: { path: { id } } })), [id]);
  const [watchUntil, setWatchUntil] = useState(0);
  const retry = useAction(
    async ({ client }) => unwrap(await client.POST('/v1/logs/{id}/retry', { params: { path: { id } } })),
    (result) => `Retry queued: the delivery is ${result.status.replaceAll('_', ' ')}. The new attempt appears below.`,
  );

  const back = <Link to={lastLogsHref()}>← Back to the log</Link>;
  if (log.error && !log.data) return <><PageHeader title="Attempt" back={back} /><ErrorState error={log.error} onRetry={log.reload} what="log entry" /></>;
  if (!log.data) return <LoadingState label="Loading the attempt…" />;
  const entry = log.data;

  const onRetry = async () => {
    if (await retry.run()) setWatchUntil(Date.now() + WATCH_AFTER_RETRY_MS);
  };

  return (
    <article className="detail">
      <PageHeader
        back={back}
        title={<>Attempt #{entry.attempt} · <code>{entry.event_type}</code></>}
        subtitle={<><StatusBadge status={entry.status} /> <HttpStatus status={entry.http_status} errorCode={entry.error?.code ?? null} /></>}
        actions={
          <button type="button" className="button button-primary" onClick={onRetry} disabled={retry.running}>
            {retry.running ? 'Retrying…' : 'Retry'}
          </button>
        }
      />
      <Notice message={retry.message} error={retry.error} />

      <div className="detail-grid">
        <section className="panel" aria-labelledby="summary-title">
          <h2 id="summary-title">Summary</h2>
          <LogSummary log={entry} />
        </section>
        <section className="panel" aria-labelledby="timing-title">
          <h2 id="timing-title">Timing</h2>
          <TimingBar timings={entry.timings} durationMs={entry.duration_ms} />
          <h2 id="attempts-title" className="panel-subtitle">Attempts of this delivery</h2>
          <DeliveryAttempts deliveryId={entry.delivery_id} currentId={entry.id} watchUntil={watchUntil} />
          <p className="muted small">
            <Link to={`/logs?delivery_id=${entry.delivery_id}`}>Show them in the log</Link>
          </p>
        </section>
      </div>

      <div className="detail-grid">
        <section className="panel" aria-labelledby="request-title">
          <h2 id="request-title">Request</h2>
          <h3>Headers</h3>
          <HeadersTable headers={entry.request.headers} caption="Request headers" />
          <h3>Body</h3>
          <BodyView body={entry.request.body} emptyText="No request body (the event's payload was purged)." />
        </section>
        <section className="panel" aria-labelledby="response-title">
          <h2 id="response-title">Response</h2>
          <h3>Headers</h3>
          <HeadersTable headers={entry.response.headers} caption="Response headers" />
          <h3>Body</h3>
          <BodyView
            body={entry.response.body}
            truncated={entry.response.body_truncated}
            emptyText={entry.http_status === null ? 'No response: the endpoint never answered.' : 'The response had no body.'}
          />
        </section>
      </div>
    </article>
  );
}
