import { useMemo, useState } from 'react';
import { unwrap } from '../api/api-error.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager } from '../components/pager.tsx';
import { TimeText } from '../components/time-text.tsx';
import { useResource } from '../hooks/use-resource.ts';
import { Link } from '../routing/link.tsx';
import { navigate, useLocation } from '../routing/router.ts';
import { EventFilterBar, type EventFilters } from './event-filter-bar.tsx';
import { FanOutSummary } from './fan-out-summary.tsx';

const FILTERS = ['type', 'start_time', 'end_time'];

/** Published events, newest first, each with how its fan-out went. Filters live in the URL. */
export function EventsPage() {
  const { search } = useLocation();
  const key = JSON.stringify(FILTERS.map((name) => [name, search.get(name) ?? '']).filter(([, v]) => v !== ''));
  const filters = useMemo<EventFilters>(() => Object.fromEntries(JSON.parse(key) as Array<[string, string]>), [key]);
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = paging.key === key ? paging.cursors : [];
  const cursor = cursors.at(-1);

  const page = useResource(async ({ client }) =>
    unwrap(await client.GET('/v1/events', { params: { query: { ...filters, limit: '50', ...(cursor ? { cursor } : {}) } } })),
  [key, cursor]);

  const apply = (next: EventFilters) => {
    const params = new URLSearchParams(next).toString();
    navigate(params ? `/events?${params}` : '/events');
  };

  return (
    <section>
      <PageHeader title="Events" subtitle="What your product published, and how each event fanned out to your endpoints." />
      <EventFilterBar filters={filters} onApply={apply} />
      {page.error && !page.data ? (
        <ErrorState error={page.error} onRetry={page.reload} what="the events" />
      ) : !page.data ? (
        <LoadingState label="Loading the events…" />
      ) : page.data.data.length === 0 ? (
        Object.keys(filters).length > 0 ? (
          <EmptyState title="No event matches these filters" action={<Link className="button" to="/events">Clear the filters</Link>}>Check the event type's spelling or widen the time range.</EmptyState>
        ) : (
          <EmptyState title="No events yet">
            Publish one with <code>POST /v1/events</code> (for example <code>{'{"type":"call.ended","payload":{…}}'}</code>), or send a test event from an endpoint's page.
          </EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap">
            <table className="data-table event-table">
              <caption className="visually-hidden">Events</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Type</th>
                  <th scope="col">Deliveries</th>
                  <th scope="col">Tags</th>
                </tr>
              </thead>
              <tbody>
                {page.data.data.map((event) => (
                  <tr key={event.id} className="clickable" onClick={(e) => { if (!(e.target as HTMLElement).closest('a, button')) navigate(`/events/${event.id}`); }}>
                    <td data-label="Time"><Link to={`/events/${event.id}`} aria-label={`Event ${event.type} ${event.id}`}><TimeText iso={event.created_at} /></Link></td>
                    <td data-label="Type"><code>{event.type}</code></td>
                    <td data-label="Deliveries"><FanOutSummary deliveries={event.deliveries} /></td>
                    <td data-label="Tags">{Object.entries(event.tags).map(([k, v]) => <code key={k} className="chip">{k}={v}</code>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="Events"
            page={cursors.length + 1}
            hasPrev={cursors.length > 0}
            hasNext={Boolean(page.data.meta.has_more && page.data.meta.next_cursor)}
            disabled={page.loading}
            onPrev={() => setPaging({ key, cursors: cursors.slice(0, -1) })}
            onNext={() => page.data?.meta.next_cursor && setPaging({ key, cursors: [...cursors, page.data.meta.next_cursor] })}
          />
        </>
      )}
    </section>
  );
}
