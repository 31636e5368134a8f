import { formatDuration } from '../lib/format.ts';

interface Timings {
  dns_ms: number | null;
  connect_ms: number | null;
  tls_ms: number | null;
  ttfb_ms: number | null;
}

/**
 * Where an attempt's time went: DNS, connect, TLS, waiting for the first byte, then the rest
 * (reading the body). Phases Herald did not measure (a reused connection) are left out.
 */
export function TimingBar({ timings, durationMs }: { timings: Timings; durationMs: number }) {
  const phases = [
    { name: 'DNS', ms: timings.dns_ms, tone: 'phase-dns' },
    { name: 'Connect', ms: timings.connect_ms, tone: 'phase-connect' },
    { name: 'TLS', ms: timings.tls_ms, tone: 'phase-tls' },
    { name: 'Waiting (TTFB)', ms: timings.ttfb_ms, tone: 'phase-ttfb' },
  ];
  const measured = phases.reduce((sum, phase) => sum + (phase.ms ?? 0), 0);
  const rest = Math.max(0, durationMs - measured);
  const all = [...phases, { name: 'Body', ms: rest, tone: 'phase-body' }].filter((p): p is { name: string; ms: number; tone: string } => p.ms !== null && p.ms > 0);
  const total = Math.max(durationMs, measured, 1);
  return (
    <div className="timing">
      <div className="timing-bar" role="img" aria-label={`Total ${formatDuration(durationMs)}: ${all.map((p) => `${p.name} ${formatDuration(p.ms)}`).join(', ') || 'no phases measured'}`}>
        {all.map((phase) => (
          <span key={phase.name} className={`timing-segment ${phase.tone}`} style={{ width: `${(phase.ms / total) * 100}%` }} />
        ))}
      </div>
      <ul className="timing-legend">
        {phases.map((phase) => (
          <li key={phase.name}>
            <span className={`legend-swatch ${phase.tone}`} aria-hidden="true" />
            {phase.name} <strong>{phase.ms === null ? 'n/a' : formatDuration(phase.ms)}</strong>
          </li>
        ))}
        <li>
          <span className="legend-swatch phase-body" aria-hidden="true" />
          Body <strong>{formatDuration(rest)}</strong>
        </li>
        <li className="timing-total">
          Total <strong>{formatDuration(durationMs)}</strong>
        </li>
      </ul>
    </div>
  );
}
