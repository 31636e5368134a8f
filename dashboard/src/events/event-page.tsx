import { unwrap } from '../api/api-error.ts';
import type { Delivery } from '../api/api-types.ts';
import { BodyView } from '../components/body-view.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { HttpStatus } from '../components/http-status.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TimeText } from '../components/time-text.tsx';
import { useResource } from '../hooks/use-resource.ts';
import { formatDuration, shortUrl } from '../lib/format.ts';
import { Link } from '../routing/link.tsx';
import { logsHref } from '../logs/log-filters.ts';

/** One event: its payload and tags, and its fan-out: one delivery per endpoint with its status. */
export function EventPage({ id }: { id: string }) {
  const event = useResource(async ({ client }) => unwrap(await client.GET('/v1/events/{id}', { params: { path: { id } } })), [id]);
  const back = <Link to="/events">← Events</Link>;
  if (event.error && !event.data) return <><PageHeader title="Event" back={back} /><ErrorState error={event.error} onRetry={event.reload} what="event" /></>;
  if (!event.data) return <LoadingState label="Loading the event…" />;
  const e = event.data;
  // The detail's deliveries are full delivery objects (the schema only names id, endpoint_id and status).
  const deliveries = e.deliveries as unknown as Delivery[];
  const tags = Object.entries(e.tags);

  return (
    <article className="detail">
      <PageHeader
        back={back}
        title={<code>{e.type}</code>}
        subtitle={<><TimeText iso={e.created_at} /> · <code>{e.id}</code></>}
        actions={<><Link className="button" to={logsHref({ event_id: e.id })}>Attempts in the log</Link><button type="button" className="button" onClick={event.reload}>Refresh</button></>}
      />
      <section aria-labelledby="fanout-title">
        <h2 id="fanout-title">Fan-out ({deliveries.length} {deliveries.length === 1 ? 'endpoint' : 'endpoints'})</h2>
        {deliveries.length === 0 ? (
          <EmptyState title="No endpoint received this event" action={<Link className="button" to="/endpoints">See the endpoints</Link>}>
            No enabled endpoint subscribed to <code>{e.type}</code> when it was published. Add the type to an endpoint's event types to receive the next ones.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Deliveries of this event</caption>
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col" className="num">Attempts</th>
                  <th scope="col">Last response</th>
                  <th scope="col">Next / delivered</th>
                  <th scope="col"><span className="visually-hidden">Links</span></th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.id}>
                    <td data-label="Status"><StatusBadge status={d.status} /></td>
                    <td data-label="Endpoint" className="cell-url"><Link to={`/endpoints/${d.endpoint_id}`}>{shortUrl(d.endpoint_url)}</Link></td>
                    <td data-label="Attempts" className="num">{d.attempt_count}</td>
                    <td data-label="Last response">
                      <HttpStatus status={d.response_status} errorCode={d.last_error?.code ?? null} />{' '}
                      <span className="muted">{formatDuration(d.response_latency_ms)}</span>
                      {d.last_error ? <div className="small text-bad">{d.last_error.message}</div> : null}
                    </td>
                    <td data-label="Next / delivered">
                      {d.delivered_at ? <TimeText iso={d.delivered_at} /> : d.next_attempt_at ? <>retry <TimeText iso={d.next_attempt_at} /></> : <span className="muted">—</span>}
                    </td>
                    <td data-label="Links"><Link to={logsHref({ delivery_id: d.id })}>Attempts</Link></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <div className="detail-grid">
        <section className="panel" aria-labelledby="payload-title">
          <h2 id="payload-title">Payload</h2>
          <BodyView body={JSON.stringify(e.payload)} emptyText="No payload." />
        </section>
        <section className="panel" aria-labelledby="tags-title">
          <h2 id="tags-title">Tags</h2>
          {tags.length === 0 ? <p className="muted">No tags. Publish with <code>tags</code> to filter the log by them.</p> : (
            <ul className="tag-list">{tags.map(([k, v]) => <li key={k}><Link to={logsHref({ [`tag[${k}]`]: v })}><code>{k}={v}</code></Link></li>)}</ul>
          )}
        </section>
      </div>
    </article>
  );
}
