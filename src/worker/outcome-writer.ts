import type { Logger } from 'pino';
import { coerceError } from '../domain/app-error.ts';
import type { AttemptOutcome, HealthChanges, Storage } from '../storage/storage.ts';

/** Told of each batch once it is durable, with the endpoint health changes it caused. */
export type OutcomesListener = (outcomes: AttemptOutcome[], health: HealthChanges) => void;

/**
 * Group commit for attempt outcomes: outcomes that finish within `batchWindowMs` of the first one
 * waiting (or as soon as `batchSize` wait) are written in one transaction. `write` resolves once its
 * outcome is durable. A failed write is retried until it succeeds: an attempt that happened is never
 * dropped from the log.
 */
export class OutcomeWriter {
  readonly #storage: Storage;
  readonly #logger: Logger;
  readonly #onWritten: OutcomesListener;
  readonly #batchWindowMs: number;
  readonly #batchSize: number;
  #pending: Array<{ outcome: AttemptOutcome; done: () => void }> = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #giveUpAt: number | null = null;

  /**
   * `batchWindowMs` (default 5): how long the first outcome of a batch waits for others; 0 writes
   * what finished in the same event-loop turn. `batchSize` (default 64): a batch this large is written at once.
   * The wait holds no delivery slot (the worker frees it when the receiver answers), only the moment the
   * attempt shows in the log; under load it makes batches of ~50 instead of ~25, and each commit costs
   * ~250 µs however small its batch.
   */
  constructor(storage: Storage, logger: Logger, onWritten: OutcomesListener, options: { batchWindowMs?: number; batchSize?: number } = {}) {
    this.#storage = storage;
    this.#logger = logger;
    this.#onWritten = onWritten;
    this.#batchWindowMs = options.batchWindowMs ?? 5;
    this.#batchSize = options.batchSize ?? 64;
  }

  write(outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve) => {
      this.#pending.push({ outcome, done: resolve });
      if (this.#flushing !== null) return; // the running flush picks these up
      if (this.#pending.length >= this.#batchSize) this.#flushSoon(0);
      else if (this.#pending.length === 1) this.#flushSoon(this.#batchWindowMs);
    });
  }

  /** Flushes after `ms` (0: on the next turn of the event loop), unless a sooner flush is already set. */
  #flushSoon(ms: number): void {
    const run = () => {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      this.#immediate = null;
      void this.flush();
    };
    if (ms > 0) {
      if (this.#timer === null && this.#immediate === null) this.#timer = setTimeout(run, ms);
      return;
    }
    if (this.#immediate === null) this.#immediate = setImmediate(run);
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#writeBatch(batch);
    await this.#flushing;
    this.#flushing = null;
    // What arrived meanwhile is a new batch, with its own window.
    if (this.#pending.length > 0) this.#flushSoon(this.#pending.length >= this.#batchSize ? 0 : this.#batchWindowMs);
  }

  /**
   * From `at` on (epoch ms, wall clock), a batch that cannot be written is given up instead of retried,
   * so a stopping worker exits even when storage is gone (a full disk). Its deliveries are not lost:
   * their leases end and they are attempted again.
   */
  giveUpAfter(at: number): void {
    this.#giveUpAt = at;
  }

  async #writeBatch(batch: Array<{ outcome: AttemptOutcome; done: () => void }>): Promise<void> {
    const outcomes = batch.map((item) => item.outcome);
    let health: HealthChanges | null = null;
    for (let failures = 0; health === null; failures += 1) {
      try {
        health = await this.#storage.recordOutcomes(outcomes);
        if (failures > 0) this.#logger.info({ attempts: batch.length, failures }, 'recording attempt outcomes works again');
      } catch (error) {
        if (this.#giveUpAt !== null && Date.now() >= this.#giveUpAt) {
          this.#logger.error({ err: coerceError(error), attempts: batch.length }, 'stopping: attempt outcomes could not be recorded; their deliveries will be attempted again when their leases end');
          for (const item of batch) item.done();
          return;
        }
        const waitMs = Math.min(5000, 50 * 2 ** failures, this.#giveUpAt === null ? Infinity : Math.max(10, this.#giveUpAt - Date.now()));
        // Once per failing batch, not per retry: a full disk would otherwise fill the logs too.
        if (failures === 0) this.#logger.error({ err: coerceError(error), attempts: batch.length }, 'recording attempt outcomes failed; retrying until it works');
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    try {
      this.#onWritten(outcomes, health);
    } catch (error) {
      this.#logger.warn({ err: coerceError(error) }, 'an outcome listener failed');
    }
    for (const item of batch) item.done();
  }
}
