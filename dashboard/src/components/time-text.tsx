import { formatTime } from '../lib/format.ts';

/** A timestamp in local time, the full ISO value on hover and for machines. */
export function TimeText({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  );
}
