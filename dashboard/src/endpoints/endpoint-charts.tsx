import { useState } from 'react';
import { unwrap } from '../api/api-error.ts';
import type { EndpointStats } from '../api/api-types.ts';
import { BarList } from '../charts/bar-list.tsx';
import { LineChart } from '../charts/line-chart.tsx';
import { ErrorState } from '../components/error-state.tsx';
import { LoadingState } from '../components/loading-state.tsx';
import { useResource } from '../hooks/use-resource.ts';
import { formatDuration, formatPercent, formatTime } from '../lib/format.ts';
import { successSeries } from './endpoint-health.ts';

const WINDOWS = [
  { value: 3_600_000, label: 'Last hour' },
  { value: 86_400_000, label: 'Last 24 hours' },
  { value: 7 * 86_400_000, label: 'Last 7 days' },
];

/** Latency percentiles are per window in the stats API, so the latency chart asks for this many slices. */
const LATENCY_SLICES = 12;

interface ChartData {
  stats: EndpointStats;
  latency: Array<{ start: string; p50: number | null; p95: number | null }>;
}

/** Middle label of a time axis. */
function labels(starts: string[], until: string): [string, string, string] {
  const first = starts[0] ?? until;
  const middle = starts[Math.floor(starts.length / 2)] ?? until;
  return [formatTime(first), formatTime(middle), formatTime(until)];
}

/**
 * The endpoint's charts from the stats API: success rate over time, latency p50/p95 over time
 * (one stats call per slice of the window), attempts by HTTP status class and by error code.
 */
export function EndpointCharts({ endpointId }: { endpointId: string }) {
  const [windowMs, setWindowMs] = useState(86_400_000);
  const data = useResource<ChartData>(async ({ client }) => {
    const until = Date.now();
    const since = until - windowMs;
    const ask = (from: number, to: number) =>
      client.GET('/v1/endpoints/{id}/stats', { params: { path: { id: endpointId }, query: { since: new Date(from).toISOString(), until: new Date(to).toISOString() } } }).then(unwrap);
    const slice = windowMs / LATENCY_SLICES;
    const [stats, ...slices] = await Promise.all([
      ask(since, until),
      ...Array.from({ length: LATENCY_SLICES }, (_, i) => ask(since + i * slice, since + (i + 1) * slice)),
    ]);
    return {
      stats: stats!,
      latency: slices.map((s) => ({ start: s.since, p50: s.latency_ms?.p50 ?? null, p95: s.latency_ms?.p95 ?? null })),
    };
  }, [endpointId, windowMs]);

  const picker = (
    <label className="inline-field">
      Window
      <select value={windowMs} onChange={(e) => setWindowMs(Number(e.target.value))}>
        {WINDOWS.map((w) => <option key={w.value} value={w.value}>{w.label}</option>)}
      </select>
    </label>
  );

  if (data.error && !data.data) return <>{picker}<ErrorState error={data.error} onRetry={data.reload} what="the statistics" /></>;
  if (!data.data) return <>{picker}<LoadingState label="Loading the statistics…" /></>;
  const { stats, latency } = data.data;
  const starts = stats.series.points.map((p) => p.start);
  const rate = stats.attempts.total === 0 ? null : stats.attempts.succeeded / stats.attempts.total;
  const classes = Object.entries(stats.http_status_classes).map(([name, count]) => ({
    name: name === 'none' ? 'no answer' : name,
    count,
    tone: name === '2xx' ? 'tone-ok' : name === '4xx' ? 'tone-warn' : name === '5xx' || name === 'none' ? 'tone-bad' : 'tone-info',
  }));
  const codes = Object.entries(stats.error_codes).sort((a, b) => b[1] - a[1]).map(([name, count]) => ({ name, count, tone: 'tone-bad' }));

  return (
    <div className="charts">
      <div className="charts-toolbar">
        {picker}
        <button type="button" className="button button-small" onClick={data.reload} disabled={data.loading}>Refresh</button>
      </div>
      <ul className="stat-tiles">
        <li><span className="tile-label">Attempt success</span><span className="tile-value">{formatPercent(rate)}</span></li>
        <li><span className="tile-label">Attempts</span><span className="tile-value">{stats.attempts.total.toLocaleString()}</span></li>
        <li><span className="tile-label">Failed</span><span className="tile-value">{stats.attempts.failed.toLocaleString()}</span></li>
        <li><span className="tile-label">Latency p50</span><span className="tile-value">{formatDuration(stats.latency_ms?.p50)}</span></li>
        <li><span className="tile-label">Latency p95</span><span className="tile-value">{formatDuration(stats.latency_ms?.p95)}</span></li>
        <li><span className="tile-label">Deliveries failed for good</span><span className="tile-value">{stats.deliveries.failed_permanent.toLocaleString()}</span></li>
      </ul>
      <div className="charts-grid">
        <section className="panel" aria-labelledby="chart-success">
          <h3 id="chart-success">Success rate over time</h3>
          <LineChart label="Attempt success rate over time" series={[{ name: 'Success rate', tone: 'series-a', values: successSeries(stats) }]} max={1} formatY={(v) => formatPercent(v)} xLabels={labels(starts, stats.until)} />
        </section>
        <section className="panel" aria-labelledby="chart-latency">
          <h3 id="chart-latency">Latency over time</h3>
          <LineChart
            label="Attempt latency p50 and p95 over time"
            series={[
              { name: 'p50', tone: 'series-a', values: latency.map((l) => l.p50) },
              { name: 'p95', tone: 'series-b', values: latency.map((l) => l.p95) },
            ]}
            formatY={(v) => formatDuration(v)}
            xLabels={labels(latency.map((l) => l.start), stats.until)}
          />
        </section>
        <section className="panel" aria-labelledby="chart-classes">
          <h3 id="chart-classes">HTTP status classes</h3>
          <BarList label="Attempts by HTTP status class" items={classes} emptyText="No attempts in this window." />
        </section>
        <section className="panel" aria-labelledby="chart-errors">
          <h3 id="chart-errors">Error codes</h3>
          <BarList label="Failed attempts by error code" items={codes} emptyText="No failed attempts in this window." />
        </section>
      </div>
    </div>
  );
}
