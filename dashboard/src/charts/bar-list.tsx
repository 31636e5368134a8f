/** Horizontal bars with their label and count: HTTP status classes, error codes. */
export function BarList({ items, emptyText, label }: { items: Array<{ name: string; count: number; tone?: string }>; emptyText: string; label: string }) {
  const shown = items.filter((item) => item.count > 0);
  if (shown.length === 0) return <p className="muted">{emptyText}</p>;
  const max = Math.max(...shown.map((item) => item.count));
  return (
    <ul className="bar-list" aria-label={label}>
      {shown.map((item) => (
        <li key={item.name} className="bar-item">
          <span className="bar-name">{item.name}</span>
          <span className="bar-track" aria-hidden="true">
            <span className={`bar-fill ${item.tone ?? ''}`} style={{ width: `${Math.max(2, (item.count / max) * 100)}%` }} />
          </span>
          <span className="bar-count">{item.count.toLocaleString()}</span>
        </li>
      ))}
    </ul>
  );
}
