/** The dashboard's pages, parsed from a path. */
export type Route =
  | { page: 'logs' }
  | { page: 'log'; id: string }
  | { page: 'endpoints' }
  | { page: 'endpoint-new' }
  | { page: 'endpoint'; id: string }
  | { page: 'events' }
  | { page: 'event'; id: string }
  | { page: 'not-found' };

/** `/logs/log_…` → `{ page: 'log', id }`; `/` is the log explorer. */
export function matchRoute(pathname: string): Route {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [section, id, extra] = parts;
  if (extra !== undefined) return { page: 'not-found' };
  if (section === undefined) return { page: 'logs' };
  if (section === 'logs') return id ? { page: 'log', id } : { page: 'logs' };
  if (section === 'endpoints') return id === 'new' ? { page: 'endpoint-new' } : id ? { page: 'endpoint', id } : { page: 'endpoints' };
  if (section === 'events') return id ? { page: 'event', id } : { page: 'events' };
  return { page: 'not-found' };
}
