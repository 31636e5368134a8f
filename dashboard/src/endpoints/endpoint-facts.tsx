import type { Endpoint } from '../api/api-types.ts';
import { TimeText } from '../components/time-text.tsx';
import { formatDuration } from '../lib/format.ts';

/** An endpoint's settings at a glance. */
export function EndpointFacts({ endpoint }: { endpoint: Endpoint }) {
  const headers = Object.entries(endpoint.headers);
  return (
    <dl className="facts">
      <div className="fact-wide"><dt>URL</dt><dd><code>{endpoint.method} {endpoint.url}</code></dd></div>
      <div className="fact-wide">
        <dt>Event types</dt>
        <dd>{endpoint.event_types === null ? 'Every event' : endpoint.event_types.map((t) => <code key={t} className="chip">{t}</code>)}</dd>
      </div>
      <div><dt>Timeout</dt><dd>{formatDuration(endpoint.timeout_ms)}</dd></div>
      <div><dt>Max attempts</dt><dd>{endpoint.max_attempts}</dd></div>
      <div><dt>Rate limit</dt><dd>{endpoint.rate_limit_per_s === null ? 'none' : `${endpoint.rate_limit_per_s} per second`}</dd></div>
      <div><dt>Created</dt><dd><TimeText iso={endpoint.created_at} /></dd></div>
      {headers.length > 0 ? (
        <div className="fact-wide"><dt>Extra headers</dt><dd>{headers.map(([k, v]) => <code key={k} className="chip">{k}: {v}</code>)}</dd></div>
      ) : null}
      <div><dt>Id</dt><dd><code>{endpoint.id}</code></dd></div>
    </dl>
  );
}
