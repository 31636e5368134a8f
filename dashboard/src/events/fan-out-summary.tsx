import { StatusBadge } from '../components/status-badge.tsx';

/** An event's deliveries counted by status: "2 succeeded · 1 retry pending", or why there are none. */
export function FanOutSummary({ deliveries }: { deliveries: ReadonlyArray<{ status: string }> }) {
  if (deliveries.length === 0) return <span className="muted" title="No enabled endpoint subscribed to this event type when it was published">no endpoint matched</span>;
  const counts = new Map<string, number>();
  for (const d of deliveries) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  return (
    <span className="fan-out">
      {[...counts].map(([status, n]) => (
        <span key={status} className="fan-out-item">
          {n > 1 || deliveries.length > 1 ? <span className="fan-out-count">{n}×</span> : null}
          <StatusBadge status={status} />
        </span>
      ))}
    </span>
  );
}
