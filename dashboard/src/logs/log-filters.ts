/**
 * The log explorer's filters live in the URL (`/logs?status=failed&tag[call_id]=c_1`), so a link
 * shows the same entries to whoever opens it. Names are exactly the API's log filters.
 */

/** Every filter of `GET /v1/logs` except tags (`tag[K]`), in the order the filter bar shows them, then sort and page size. */
export const LOG_FILTER_NAMES = [
  'search', 'status', 'endpoint_id', 'event_type', 'http_status',
  'http_status[gte]', 'http_status[gt]', 'http_status[lte]', 'http_status[lt]',
  'http_method', 'trigger', 'attempt', 'delivery_id', 'event_id', 'start_time', 'end_time', 'sort', 'limit',
] as const;

/** The filters behind "More filters" (the rest show in the bar itself; `limit`, the page size, only in the URL). */
export const ADVANCED_FILTER_NAMES: readonly string[] = LOG_FILTER_NAMES.slice(5, -1);

export type LogFilters = Record<string, string>;

const TAG = /^tag\[[^\]]+\]$/;

/** The filters in a query string: known names and `tag[K]`, empty values dropped. */
export function filtersFromSearch(search: URLSearchParams): LogFilters {
  const filters: LogFilters = {};
  for (const [name, value] of search) {
    if (value.trim() === '') continue;
    if ((LOG_FILTER_NAMES as readonly string[]).includes(name) || TAG.test(name)) filters[name] = value.trim();
  }
  return filters;
}

/** `/logs?…` for these filters (and `live=1` when tailing). */
export function logsHref(filters: LogFilters, live = false): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== '') params.set(name, value);
  if (live) params.set('live', '1');
  const query = params.toString().replaceAll('%5B', '[').replaceAll('%5D', ']');
  return query ? `/logs?${query}` : '/logs';
}

/** `tag[call_id]=c_1, tag[region]=eu` ⇄ `call_id=c_1, region=eu` for the single tags input. */
export function tagsText(filters: LogFilters): string {
  return Object.entries(filters)
    .filter(([name]) => TAG.test(name))
    .map(([name, value]) => `${name.slice(4, -1)}=${value}`)
    .join(', ');
}

export function tagsFromText(text: string): { tags: LogFilters; invalid: string[] } {
  const tags: LogFilters = {};
  const invalid: string[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) invalid.push(part);
    else tags[`tag[${part.slice(0, eq).trim()}]`] = part.slice(eq + 1).trim();
  }
  return { tags, invalid };
}

/** How many filters are set (for the "Clear" button and the empty state). */
export function countFilters(filters: LogFilters): number {
  return Object.keys(filters).filter((name) => name !== 'sort' && name !== 'limit').length;
}

/** A stable key of the filters: paging restarts when it changes. */
export function filtersKey(filters: LogFilters): string {
  return JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)));
}
