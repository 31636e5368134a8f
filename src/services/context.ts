import type { Config } from '../config.ts';
import type { Clock } from '../domain/clock.ts';
import type { RateLimiter } from '../domain/rate-limiter.ts';
import type { LookupFn } from '../delivery/address-guard.ts';
import type { Storage } from '../storage/storage.ts';
import type { CursorCodec } from './cursor-codec.ts';

/** What every use case may touch: injected once by the composition root (src/main.ts or a test). */
export interface ServiceContext {
  config: Readonly<Config>;
  storage: Storage;
  clock: Clock;
  cursors: CursorCodec;
  /** Tells the workers in this process that new work is due (an in-process wake-up, no polling sleep). */
  wakeWorkers: () => void;
  /** Per-key API request budgets of this process (`HERALD_API_RATE_LIMIT`). */
  apiRateLimiter: RateLimiter;
  /** DNS lookup used when checking endpoint URLs; injected in tests. */
  lookup?: LookupFn;
}
