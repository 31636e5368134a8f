import { parseDuration } from './durations.ts';

/** Delays between attempts, in ms: `delays[0]` follows the first attempt. */
export type RetrySchedule = readonly number[];

/** The default of API.md: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts in all). */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

/** How far a computed delay may stray either way, so retries from one outage do not arrive together. */
export const RETRY_JITTER = 0.2;

/** Parses `5s,5m,30m` into a schedule; `null` when any part is not a duration or the list is empty. */
export function parseRetrySchedule(text: string): RetrySchedule | null {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) return null;
  const delays = parts.map(parseDuration);
  return delays.every((delay): delay is number => delay !== null && delay > 0) ? delays : null;
}

/** The facts about one failed attempt that decide what comes next. */
export interface RetryInput {
  /** Attempts made so far, this one included (1 after the first). */
  attemptsMade: number;
  /** The endpoint's `max_attempts`. */
  maxAttempts: number;
  /** The receiver's `Retry-After` in ms (429/503 only), honoured but capped by the schedule's maximum. */
  retryAfterMs: number | null;
  /** A number in [0, 1) used for jitter; injected so tests are exact. */
  random: number;
}

/**
 * The delay before the next attempt, or `null` when the delivery has used its attempts.
 * Past the end of the schedule its last delay repeats (for `max_attempts` larger than the schedule).
 */
export function nextRetryDelay(schedule: RetrySchedule, input: RetryInput): number | null {
  if (input.attemptsMade >= input.maxAttempts) return null;
  const index = Math.min(input.attemptsMade - 1, schedule.length - 1);
  const base = schedule[Math.max(index, 0)]!;
  const jittered = Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * input.random));
  if (input.retryAfterMs === null) return jittered;
  const ceiling = Math.max(...schedule);
  return Math.min(Math.max(input.retryAfterMs, 0), ceiling);
}
