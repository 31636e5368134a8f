import type { Logger } from 'pino';
import { coerceError } from '../domain/app-error.ts';
import type { AttemptOutcome, HealthChanges, Storage } from '../storage/storage.ts';

/** Told of each batch once it is durable, with the endpoint health changes it caused. */
export type OutcomesListener = (outcomes: AttemptOutcome[], health: HealthChanges) => void;

/**
 * Group commit for attempt outcomes: outcomes that finish in the same turn of the event loop are
 * written in one transaction. `write` resolves once its outcome is durable. A failed write is
 * retried until it succeeds: an attempt that happened is never dropped from the log.
 */
export class OutcomeWriter {
  readonly #storage: Storage;
  readonly #logger: Logger;
  readonly #onWritten: OutcomesListener;
  #pending: Array<{ outcome: AttemptOutcome; done: () => void }> = [];
  #flushing: Promise<void> | null = null;

  constructor(storage: Storage, logger: Logger, onWritten: OutcomesListener) {
    this.#storage = storage;
    this.#logger = logger;
    this.#onWritten = onWritten;
  }

  write(outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve) => {
      this.#pending.push({ outcome, done: resolve });
      if (this.#pending.length === 1 && this.#flushing === null) setImmediate(() => void this.flush());
    });
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
    if (this.#pending.length > 0) setImmediate(() => void this.flush());
  }

  async #writeBatch(batch: Array<{ outcome: AttemptOutcome; done: () => void }>): Promise<void> {
    const outcomes = batch.map((item) => item.outcome);
    let health: HealthChanges;
    for (let failures = 0; ; failures += 1) {
      try {
        health = await this.#storage.recordOutcomes(outcomes);
        break;
      } catch (error) {
        const waitMs = Math.min(5000, 50 * 2 ** failures);
        this.#logger.error({ err: coerceError(error), attempts: batch.length, retry_in_ms: waitMs }, 'recording attempt outcomes failed; retrying');
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
