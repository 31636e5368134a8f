import type { LogFilters } from '../client/index.ts';
import { UsageError, type Flags, type ParsedArgs } from './args.ts';
import { parseTimeInput } from './time-input.ts';

/** Every log filter of the API as a flag: `--endpoint-id` is `endpoint_id`, `--since` is `start_time`. */
export const LOG_FILTER_FLAGS: Flags = {
  status: { type: 'string', value: 'succeeded|failed', description: 'attempts that succeeded or failed' },
  'endpoint-id': { type: 'string', value: 'ep_…', description: 'attempts to this endpoint' },
  'delivery-id': { type: 'string', value: 'dlv_…', description: 'attempts of this delivery' },
  'event-id': { type: 'string', value: 'evt_…', description: 'attempts of this event' },
  'event-type': { type: 'string', value: 'types', description: 'comma list of event types' },
  'http-status': { type: 'string', value: 'codes', description: 'comma list of codes or classes: 503, 5xx' },
  'http-status-gte': { type: 'string', value: 'code', description: 'HTTP status ≥ code' },
  'http-status-gt': { type: 'string', value: 'code', description: 'HTTP status > code' },
  'http-status-lte': { type: 'string', value: 'code', description: 'HTTP status ≤ code' },
  'http-status-lt': { type: 'string', value: 'code', description: 'HTTP status < code' },
  'http-method': { type: 'string', value: 'POST|PUT|PATCH', description: 'comma list of methods' },
  trigger: { type: 'string', value: 'scheduled|manual', description: 'scheduled attempts or manual retries' },
  attempt: { type: 'string', value: 'n', description: 'attempt number (comma list)' },
  since: { type: 'string', value: 'time', description: 'created at or after: ISO 8601, or a duration ago (15m, 2h, 7d)' },
  until: { type: 'string', value: 'time', description: 'created before: ISO 8601, or a duration ago' },
  tag: { type: 'string', multiple: true, value: 'key=value', description: 'event tag; all given must match' },
  search: { type: 'string', value: 'words', description: 'every word, as a word prefix, in URL, type, error or bodies' },
};

/** `--sort` and `--fields`, shared by lists and export. */
export const SHAPE_FLAGS: Flags = {
  sort: { type: 'string', value: 'fields', description: 'e.g. -duration_ms,created_at (default -created_at)' },
  fields: { type: 'string', value: 'fields', description: 'only these fields, e.g. id,status,http_status' },
};

const QUERY_NAMES: Record<string, string> = {
  status: 'status',
  'endpoint-id': 'endpoint_id',
  'delivery-id': 'delivery_id',
  'event-id': 'event_id',
  'event-type': 'event_type',
  'http-status': 'http_status',
  'http-status-gte': 'http_status[gte]',
  'http-status-gt': 'http_status[gt]',
  'http-status-lte': 'http_status[lte]',
  'http-status-lt': 'http_status[lt]',
  'http-method': 'http_method',
  trigger: 'trigger',
  attempt: 'attempt',
  search: 'search',
  sort: 'sort',
  fields: 'fields',
};

/** The API query for the log filter flags (and `--sort`/`--fields`) that were given. */
export function logFiltersFrom(args: ParsedArgs, now: Date): LogFilters {
  const query: Record<string, string> = {};
  for (const [flag, name] of Object.entries(QUERY_NAMES)) {
    const value = args.string(flag);
    if (value !== undefined) query[name] = value;
  }
  const since = args.string('since');
  if (since !== undefined) query.start_time = parseTimeInput('since', since, now);
  const until = args.string('until');
  if (until !== undefined) query.end_time = parseTimeInput('until', until, now);
  for (const tag of args.strings('tag')) {
    const match = /^([^=]+)=(.*)$/.exec(tag);
    if (!match) throw new UsageError(`--tag must be key=value, not "${tag}"`);
    query[`tag[${match[1]}]`] = match[2]!;
  }
  return query as LogFilters;
}
