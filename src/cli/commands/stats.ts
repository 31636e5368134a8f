import { unwrap, type paths } from '../../client/index.ts';
import { formatDuration } from '../../domain/durations.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { JSON_FLAG, formatCount, writeJson } from '../output.ts';
import { renderFields } from '../table.ts';
import { parseTimeInput } from '../time-input.ts';

type Stats = paths['/v1/stats']['get']['responses'][200]['content']['application/json'];

const BARS = '▁▂▃▄▅▆▇█';

/** `herald stats`: delivery outcomes, success rate and latency of the workspace or one endpoint. */
export const stats: Command = {
  name: 'stats',
  summary: 'delivery stats: outcomes, success rate, latency, errors (workspace or one endpoint)',
  usage: '[--endpoint-id ep_…] [--since time] [--until time] [--bucket size] [--json]',
  positionals: 0,
  flags: {
    'endpoint-id': { type: 'string', value: 'ep_…', description: 'one endpoint (default: the whole workspace)' },
    since: { type: 'string', value: 'time', description: 'window start: ISO 8601 or a duration ago (default 24h)' },
    until: { type: 'string', value: 'time', description: 'window end (default now)' },
    bucket: { type: 'string', value: 'size', description: 'series bucket: 1m, 5m, 1h, 1d… (default: at most 120 points)' },
    ...JSON_FLAG,
    ...CONNECTION_FLAGS,
  },
  examples: ['herald stats', 'herald stats --endpoint-id ep_0190… --since 7d --bucket 1d'],
  async run(args, io) {
    const now = new Date();
    const since = args.string('since');
    const until = args.string('until');
    const bucket = args.string('bucket');
    const query = {
      ...(since !== undefined ? { since: parseTimeInput('since', since, now) } : {}),
      ...(until !== undefined ? { until: parseTimeInput('until', until, now) } : {}),
      ...(bucket !== undefined ? { bucket } : {}),
    };
    const client = connect(args, io.env);
    const endpointId = args.string('endpoint-id');
    const result: Stats = endpointId === undefined
      ? unwrap(await client.GET('/v1/stats', { params: { query } }))
      : unwrap(await client.GET('/v1/endpoints/{id}/stats', { params: { path: { id: endpointId }, query } }));
    if (args.boolean('json')) return writeJson(io.stdout, result);
    io.stdout.write(renderStats(result));
  },
};

function renderStats(stats: Stats): string {
  const { deliveries: d, attempts: a, latency_ms: latency } = stats;
  const counts = (record: Record<string, number>) =>
    Object.entries(record).map(([key, value]) => `${key} ${formatCount(value)}`).join('  ') || '—';
  const activity = stats.series.points.map((point) => point.succeeded + point.failed);
  return renderFields([
    ['scope', stats.endpoint_id ?? 'workspace'],
    ['window', `${stats.since} → ${stats.until}`],
    ['deliveries', `${formatCount(d.total)}: succeeded ${formatCount(d.succeeded)}  failed_permanent ${formatCount(d.failed_permanent)}  pending_retry ${formatCount(d.pending_retry)}  queued ${formatCount(d.queued)}  delivering ${formatCount(d.delivering)}`],
    ['success rate', stats.success_rate === null ? '— (none finished)' : `${(stats.success_rate * 100).toFixed(1)} %`],
    ['attempts', `${formatCount(a.total)}: succeeded ${formatCount(a.succeeded)}  failed ${formatCount(a.failed)}`],
    ['latency', latency === null ? '—' : `p50 ${latency.p50} ms  p95 ${latency.p95} ms  p99 ${latency.p99} ms  max ${latency.max} ms`],
    ['http status', counts(stats.http_status_classes)],
    ['errors', counts(stats.error_codes)],
    [`per ${formatDuration(stats.series.bucket_ms)}`, sparkline(activity)],
  ]);
}

/** One bar per bucket, scaled to the busiest; an empty bucket is the lowest bar, any activity at least the next. */
function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  if (values.length === 0) return '—';
  const bars = values.map((value) => (value === 0 ? BARS[0] : BARS[Math.max(1, Math.round((value / Math.max(max, 1)) * (BARS.length - 1)))])).join('');
  return `${bars} (max ${formatCount(max)})`;
}
