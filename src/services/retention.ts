import type { Logger } from 'pino';
import { coerceError } from '../domain/app-error.ts';
import type { Clock } from '../domain/clock.ts';
import type { PurgeCounts, Storage } from '../storage/storage.ts';
import { IDEMPOTENCY_WINDOW_MS } from './publish-service.ts';

const DAY_MS = 86_400_000;
/**
 * Rows per table per batch, and the pause between batches: small, so the API and the worker get the
 * event loop and the database between batches. Measured on a 100,000-entry log (56,541 entries expired):
 * 100 rows + 10 ms → ~2,000 entries/s purged, event-loop lag p50 6 ms, p99 139 ms; 500 rows → p99 560 ms.
 */
const BATCH = 100;
const PAUSE_MS = 10;

export interface RetentionOptions {
  storage: Storage;
  clock: Clock;
  logger: Logger;
  /** `HERALD_RETENTION_DAYS`. */
  retentionDays: number;
  /** `HERALD_PURGE_INTERVAL`: time between purges. */
  intervalMs: number;
}

/**
 * Deletes events, finished deliveries and log entries older than `HERALD_RETENTION_DAYS`, and
 * idempotency keys older than 24 h, in batches of 100 with a pause between them, in the background.
 */
export class RetentionPurger {
  readonly #options: RetentionOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<PurgeCounts> | null = null;
  #stopped = false;

  constructor(options: RetentionOptions) {
    this.#options = options;
  }

  /** Purges shortly after start, then every `intervalMs`. */
  start(): void {
    this.#stopped = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.purgeNow(), Math.min(10_000, this.#options.intervalMs));
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One whole purge: batches until nothing old is left. Returns what was removed. */
  purgeNow(): Promise<PurgeCounts> {
    this.#running ??= this.#purge().finally(() => {
      this.#running = null;
      if (!this.#stopped) {
        // One timer at a time: a purge run by hand must not start a second chain of scheduled purges.
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.purgeNow(), this.#options.intervalMs);
        this.#timer.unref();
      }
    });
    return this.#running;
  }

  async #purge(): Promise<PurgeCounts> {
    const { storage, clock, logger, retentionDays } = this.#options;
    const total: PurgeCounts = { attempts: 0, deliveries: 0, events: 0, idempotencyKeys: 0 };
    const now = clock.now();
    try {
      while (!this.#stopped) {
        const batch = await storage.purgeBatch(now - retentionDays * DAY_MS, now - IDEMPOTENCY_WINDOW_MS, BATCH);
        for (const key of Object.keys(total) as Array<keyof PurgeCounts>) total[key] += batch[key];
        if (Object.values(batch).every((count) => count < BATCH)) break;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS)); // let requests and the worker in
      }
      if (Object.values(total).some((count) => count > 0)) logger.info({ purged: total, retention_days: retentionDays }, 'retention purge done');
    } catch (error) {
      logger.error({ err: coerceError(error) }, 'retention purge failed; it will run again at the next interval');
    }
    return total;
  }
}
