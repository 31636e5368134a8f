import { unwrap } from '../api/api-error.ts';
import type { Endpoint } from '../api/api-types.ts';
import { Sparkline } from '../charts/sparkline.tsx';
import { useResource } from '../hooks/use-resource.ts';
import { formatPercent, shortUrl } from '../lib/format.ts';
import { Link } from '../routing/link.tsx';
import { attemptSuccessRate, endpointHealth, successSeries } from './endpoint-health.ts';
import { HealthBadge } from './health-badge.tsx';

/** One endpoint in the list, with its health and last-24 h success rate (loaded per row). */
export function EndpointRow({ endpoint }: { endpoint: Endpoint }) {
  const stats = useResource(async ({ client }) =>
    unwrap(await client.GET('/v1/endpoints/{id}/stats', { params: { path: { id: endpoint.id }, query: { bucket: '1h' } } })),
  [endpoint.id]);
  const rate = stats.data ? attemptSuccessRate(stats.data) : null;
  const health = endpointHealth(endpoint, stats.data);
  return (
    <tr>
      <td data-label="Health"><HealthBadge health={health} /></td>
      <td data-label="Endpoint" className="cell-endpoint">
        <Link to={`/endpoints/${endpoint.id}`} className="strong-link">{endpoint.description || shortUrl(endpoint.url)}</Link>
        {endpoint.description ? <div className="muted small cell-url">{shortUrl(endpoint.url)}</div> : null}
        {endpoint.disabled_reason ? <div className="text-bad small">{endpoint.disabled_reason}</div> : null}
      </td>
      <td data-label="Events">
        {endpoint.event_types === null ? <span className="muted">All events</span> : endpoint.event_types.map((t) => <code key={t} className="chip">{t}</code>)}
      </td>
      <td data-label="Last 24 h">
        {stats.data ? (
          <span className="spark-cell">
            <Sparkline values={successSeries(stats.data)} tone={health === 'failing' ? 'bad' : health === 'degraded' ? 'warn' : 'ok'} label={`Success rate per hour over the last 24 hours, ${formatPercent(rate)} overall`} />
            <span className="spark-value">{formatPercent(rate)}</span>
          </span>
        ) : stats.error ? (
          <span className="muted">unavailable</span>
        ) : (
          <span className="muted">…</span>
        )}
      </td>
      <td data-label="Attempts" className="num">{stats.data ? stats.data.attempts.total.toLocaleString() : '…'}</td>
    </tr>
  );
}
