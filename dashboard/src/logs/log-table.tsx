import type { LogEntry } from '../api/api-types.ts';
import { HttpStatus } from '../components/http-status.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { TimeText } from '../components/time-text.tsx';
import { formatDuration, shortUrl } from '../lib/format.ts';
import { Link } from '../routing/link.tsx';
import { navigate } from '../routing/router.ts';

/**
 * The log as a table, one row per HTTP attempt. The time is a link to the attempt (the keyboard
 * path); a click anywhere on the row opens it too. On a phone each row becomes a card.
 */
export function LogTable({ entries, freshIds, caption }: { entries: LogEntry[]; freshIds?: ReadonlySet<string>; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="data-table log-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Time</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Event type</th>
            <th scope="col">HTTP</th>
            <th scope="col" className="num">Duration</th>
            <th scope="col" className="num">Attempt</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr
              key={entry.id}
              className={`clickable${freshIds?.has(entry.id) ? ' row-new' : ''}`}
              data-status={entry.status}
              onClick={(event) => {
                if ((event.target as HTMLElement).closest('a, button')) return;
                navigate(`/logs/${entry.id}`);
              }}
            >
              <td data-label="Status"><StatusBadge status={entry.status} /></td>
              <td data-label="Time">
                <Link to={`/logs/${entry.id}`} aria-label={`Attempt ${entry.attempt} of ${entry.event_type} to ${shortUrl(entry.endpoint_url)}, ${entry.status}`}>
                  <TimeText iso={entry.created_at} />
                </Link>
              </td>
              <td data-label="Endpoint" className="cell-url" title={entry.endpoint_url}>{shortUrl(entry.endpoint_url)}</td>
              <td data-label="Event type"><code>{entry.event_type}</code></td>
              <td data-label="HTTP"><HttpStatus status={entry.http_status} errorCode={entry.error?.code ?? null} /></td>
              <td data-label="Duration" className="num">{formatDuration(entry.duration_ms)}</td>
              <td data-label="Attempt" className="num">
                #{entry.attempt}
                {entry.trigger === 'manual' ? <span className="tag-manual" title="A manual retry">manual</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
