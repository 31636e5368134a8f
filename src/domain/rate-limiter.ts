/**
 * Token buckets by key: each key may take at most `perSecond` tokens a second, in bursts of up to
 * `perSecond`. Used for endpoints' `rate_limit_per_s` (per worker process) and for API keys
 * (`HERALD_API_RATE_LIMIT`, per API process). Kept in memory.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedAt: number }>();

  /**
   * Takes a token for `key` if one is free; otherwise returns how many ms until one is.
   * `perSecond` null means unlimited.
   */
  take(key: string, perSecond: number | null, nowMs: number): { allowed: true } | { allowed: false; waitMs: number } {
    if (perSecond === null) return { allowed: true };
    const bucket = this.#buckets.get(key) ?? { tokens: perSecond, updatedAt: nowMs };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((nowMs - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, waitMs: Math.ceil(((1 - bucket.tokens) / perSecond) * 1000) };
  }
}
