import type { PostgresDatabase } from './postgres-database.ts';

/** How many deliveries this process finishes an attempt of between two vacuums of `deliveries`; see DeliveriesVacuum. */
export const VACUUM_EVERY_OUTCOMES = 1000;

/**
 * Vacuums `deliveries` after every `everyOutcomes` attempts this process recorded, one vacuum at a time.
 *
 * Each delivery's row is written three times (queued, claimed, finished), and each superseded version
 * leaves an entry in the claim's due index (`deliveries_due`) that every claim steps over until
 * VACUUM removes it. Measured at 500 single publishes/s with one worker and no vacuum: the median
 * publish → receiver latency grew from 3–4 ms to 7 ms after 20 s and past 15 ms after 35 s; one
 * VACUUM (54 ms) brought it back to 1.4 ms. Every 2,500 attempts suited one worker but not two (each
 * counts only its own): p99 stayed at 40–57 ms a second until the first vacuum, 10 s into the run;
 * every 1,000, the whole 20 s run with 2 workers had p99 20 ms, and its throughput did not drop. Autovacuum, where it is on, comes by at most once a
 * minute and only after a fifth of the table changed: too late for a table that is mostly churn.
 * `SKIP_LOCKED`: when another process (or autovacuum) is vacuuming it, this one is skipped. A failed
 * vacuum is left for the next one: it is upkeep, never on a caller's path.
 */
export class DeliveriesVacuum {
  readonly #db: PostgresDatabase;
  readonly #everyOutcomes: number;
  #since = 0;
  #running: Promise<void> | null = null;
  #runs = 0;

  constructor(db: PostgresDatabase, everyOutcomes = VACUUM_EVERY_OUTCOMES) {
    this.#db = db;
    this.#everyOutcomes = everyOutcomes;
  }

  /** How many vacuums this process started, for tests. */
  get runs(): number {
    return this.#runs;
  }

  /** Counts `count` recorded attempts; starts a vacuum when enough have been, unless one is running. */
  recorded(count: number): void {
    this.#since += count;
    if (this.#since < this.#everyOutcomes || this.#running) return;
    this.#since = 0;
    this.#runs += 1;
    this.#running = this.#db.run('VACUUM (SKIP_LOCKED) deliveries').then(
      () => { this.#running = null; },
      () => { this.#running = null; },
    );
  }

  /** Waits for the vacuum in progress, if any (before the pool closes). */
  async settled(): Promise<void> {
    await this.#running;
  }
}
