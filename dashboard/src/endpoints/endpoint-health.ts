import type { Endpoint, EndpointStats } from '../api/api-types.ts';

export type Health = 'healthy' | 'degraded' | 'failing' | 'disabled' | 'idle';

/**
 * An endpoint's health from its last 24 h of attempts: disabled wins; no attempts is idle;
 * ≥ 95 % of attempts succeeded is healthy; ≥ 50 % degraded; below that failing.
 */
export function endpointHealth(endpoint: Endpoint, stats: EndpointStats | null): Health {
  if (!endpoint.enabled) return 'disabled';
  if (!stats || stats.attempts.total === 0) return 'idle';
  const rate = stats.attempts.succeeded / stats.attempts.total;
  if (rate >= 0.95) return 'healthy';
  if (rate >= 0.5) return 'degraded';
  return 'failing';
}

/** The success rate of each series bucket (null where nothing was attempted). */
export function successSeries(stats: EndpointStats): Array<number | null> {
  return stats.series.points.map((p) => (p.succeeded + p.failed === 0 ? null : p.succeeded / (p.succeeded + p.failed)));
}

/** The attempt success rate of the whole window, or null. */
export function attemptSuccessRate(stats: EndpointStats): number | null {
  return stats.attempts.total === 0 ? null : stats.attempts.succeeded / stats.attempts.total;
}
