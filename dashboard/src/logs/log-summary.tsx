import type { LogDetail } from '../api/api-types.ts';
import { TimeText } from '../components/time-text.tsx';
import { formatRelative } from '../lib/format.ts';
import { Link } from '../routing/link.tsx';

/** The facts of one attempt: where it went, why it ended as it did, what happens next. */
export function LogSummary({ log }: { log: LogDetail }) {
  const tags = Object.entries(log.tags);
  return (
    <dl className="facts">
      <div><dt>Endpoint</dt><dd><Link to={`/endpoints/${log.endpoint_id}`}>{log.endpoint_url}</Link></dd></div>
      <div><dt>Request</dt><dd><code>{log.http_method} {log.request.url}</code></dd></div>
      <div><dt>Event</dt><dd><Link to={`/events/${log.event_id}`}>{log.event_id}</Link></dd></div>
      <div><dt>Delivery</dt><dd><code>{log.delivery_id}</code></dd></div>
      <div><dt>Trigger</dt><dd>{log.trigger === 'manual' ? 'Manual retry' : 'Scheduled'}</dd></div>
      <div><dt>Started</dt><dd><TimeText iso={log.created_at} /></dd></div>
      <div><dt>Finished</dt><dd><TimeText iso={log.completed_at} /></dd></div>
      {log.error ? (
        <div className="fact-wide"><dt>Error</dt><dd className="text-bad"><code>{log.error.code}</code> {log.error.message}</dd></div>
      ) : null}
      <div className="fact-wide">
        <dt>Next</dt>
        <dd>
          {log.will_retry && log.next_attempt_at
            ? <>Herald retries <TimeText iso={log.next_attempt_at} /> ({formatRelative(log.next_attempt_at)}).</>
            : log.status === 'succeeded'
              ? 'Nothing: the endpoint accepted it.'
              : 'No automatic retry is left. Press Retry to try once more.'}
        </dd>
      </div>
      {tags.length > 0 ? (
        <div className="fact-wide">
          <dt>Tags</dt>
          <dd>{tags.map(([k, v]) => <code key={k} className="chip">{k}={v}</code>)}</dd>
        </div>
      ) : null}
    </dl>
  );
}
