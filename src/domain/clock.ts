/** The time source, injected everywhere so tests can move time instead of sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** ISO 8601 UTC with milliseconds, the contract's timestamp format. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
