/** The tone of every status Herald reports, for colour; the text always says it too. */
const TONES: Record<string, 'ok' | 'bad' | 'warn' | 'info' | 'muted'> = {
  succeeded: 'ok',
  failed: 'bad',
  failed_permanent: 'bad',
  pending_retry: 'warn',
  queued: 'info',
  delivering: 'info',
  healthy: 'ok',
  degraded: 'warn',
  failing: 'bad',
  disabled: 'muted',
  idle: 'muted',
};

const LABELS: Record<string, string> = { failed_permanent: 'failed permanently', pending_retry: 'retry pending' };

/** A coloured pill with the status in words (`failed_permanent` reads "failed permanently"). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'muted';
  return <span className={`badge badge-${tone}`}>{label ?? LABELS[status] ?? status.replaceAll('_', ' ')}</span>;
}
