import { useEffect, useMemo, useState } from 'react';
import { unwrap } from '../api/api-error.ts';
import type { LogEntry } from '../api/api-types.ts';
import { EmptyState } from '../components/empty-state.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Pager } from '../components/pager.tsx';
import { useLiveTail } from '../hooks/use-live-tail.ts';
import { useResource } from '../hooks/use-resource.ts';
import { Link } from '../routing/link.tsx';
import { navigate, useLocation } from '../routing/router.ts';
import { rememberLogsHref } from './last-logs-href.ts';
import { LiveToggle } from './live-toggle.tsx';
import { LogFilterBar } from './log-filter-bar.tsx';
import { countFilters, filtersFromSearch, filtersKey, logsHref, type LogFilters } from './log-filters.ts';
import { LogTable } from './log-table.tsx';

/** Entries per page, unless the URL says `limit=`. */
const PAGE_SIZE = '50';

/**
 * The log explorer: the filter bar, one page of attempts (keyset paging: the cursors of the pages
 * before this one are kept in a stack), and a Live toggle that puts new entries on top as they happen.
 */
export function LogsPage() {
  const { search, href } = useLocation();
  useEffect(() => rememberLogsHref(href), [href]);
  const key = filtersKey(filtersFromSearch(search));
  const filters = useMemo<LogFilters>(() => Object.fromEntries(JSON.parse(key) as Array<[string, string]>), [key]);
  const live = search.get('live') === '1';
  // The cursors of the pages before this one; they belong to one set of filters.
  const [paging, setPaging] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = paging.key === key ? paging.cursors : [];
  const setCursors = (next: string[]) => setPaging({ key, cursors: next });
  const cursor = cursors.at(-1);

  const page = useResource(async ({ client }) => {
    const query = { limit: PAGE_SIZE, ...filters, ...(cursor ? { cursor } : {}) };
    return unwrap(await client.GET('/v1/logs', { params: { query } }));
  }, [key, cursor]);
  const tail = useLiveTail(filters, live);

  const freshIds = useMemo(() => new Set(tail.entries.map((e) => e.id)), [tail.entries]);
  const rows: LogEntry[] = useMemo(() => {
    const base = page.data?.data ?? [];
    if (!live) return base;
    const seen = new Set(tail.entries.map((e) => e.id));
    return [...tail.entries, ...base.filter((e) => !seen.has(e.id))];
  }, [page.data, tail.entries, live]);

  const apply = (next: LogFilters) => navigate(logsHref(next, live));
  const toggleLive = () => {
    setCursors([]);
    navigate(logsHref(filters, !live), { replace: true });
  };
  const filtered = countFilters(filters) > 0;

  return (
    <section>
      <PageHeader
        title="Logs"
        subtitle="Every HTTP attempt Herald made, newest first. Open one to read the request and response, or retry it."
        actions={<LiveToggle on={live} state={tail.state} onToggle={toggleLive} />}
      />
      <LogFilterBar filters={filters} onApply={apply} />
      {tail.error ? <p className="notice notice-error" role="alert">The live tail stopped: {tail.error}</p> : null}
      {live && tail.state === 'open' ? (
        <p className="notice notice-live" role="status">
          Live: new attempts appear at the top{tail.entries.length > 0 ? ` (${tail.entries.length} so far)` : ''}.
        </p>
      ) : null}

      {page.error && !page.data ? (
        <ErrorState error={page.error} onRetry={page.reload} what="the log" />
      ) : page.loading && !page.data ? (
        <LoadingState label="Loading the log…" />
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No attempt matches these filters" action={<Link className="button" to={logsHref({}, live)}>Clear the filters</Link>}>
            Widen the time range, remove a filter, or turn on Live to wait for new attempts.
          </EmptyState>
        ) : (
          <EmptyState title="No attempts yet" action={<Link className="button" to="/endpoints/new">Add an endpoint</Link>}>
            Attempts show here once an event is published to an endpoint: add an endpoint, then publish with
            <code> POST /v1/events</code> or press “Send test event” on the endpoint.
          </EmptyState>
        )
      ) : (
        <>
          {page.error ? <ErrorState error={page.error} onRetry={page.reload} what="the next page" /> : null}
          <LogTable entries={rows} freshIds={live ? freshIds : undefined} caption="Log entries" />
          {!live ? (
            <Pager
              label="Log"
              page={cursors.length + 1}
              hasPrev={cursors.length > 0}
              hasNext={Boolean(page.data?.meta.has_more && page.data.meta.next_cursor)}
              disabled={page.loading}
              onPrev={() => setCursors(cursors.slice(0, -1))}
              onNext={() => page.data?.meta.next_cursor && setCursors([...cursors, page.data.meta.next_cursor])}
            />
          ) : null}
        </>
      )}
    </section>
  );
}
