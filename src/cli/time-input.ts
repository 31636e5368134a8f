import { parseDuration } from '../domain/durations.ts';
import { UsageError } from './args.ts';

/**
 * Reads a time flag: an ISO 8601 time (`2026-01-15T09:30:00Z`, `2026-01-15`) or a duration
 * before `now` (`90s`, `15m`, `2h`, `7d`), or `now`. Returns it as ISO 8601 UTC with milliseconds.
 */
export function parseTimeInput(flag: string, text: string, now: Date): string {
  const trimmed = text.trim();
  if (trimmed === 'now') return now.toISOString();
  const ago = parseDuration(trimmed);
  if (ago !== null) return new Date(now.getTime() - ago).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const time = new Date(trimmed);
    if (!Number.isNaN(time.getTime())) return time.toISOString();
  }
  throw new UsageError(`--${flag} must be an ISO 8601 time (2026-01-15T09:30:00Z) or a duration ago (15m, 2h, 7d), not "${text}"`);
}
