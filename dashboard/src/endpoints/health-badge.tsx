import { StatusBadge } from '../components/status-badge.tsx';
import type { Health } from './endpoint-health.ts';

const LABELS: Record<Health, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  failing: 'Failing',
  disabled: 'Disabled',
  idle: 'No traffic',
};

/** The endpoint's health in a word, coloured. */
export function HealthBadge({ health }: { health: Health }) {
  return <StatusBadge status={health} label={LABELS[health]} />;
}
