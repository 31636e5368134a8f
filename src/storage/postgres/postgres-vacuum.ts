import type { PostgresDatabase } from './postgres-database.ts';

/** How many deliveries this process finishes an attempt of between two vacuums of `deliveries`; see DeliveriesVacuum. */
export const VACUUM_EVERY_OUTCOMES = 1000;

/** After a vacuum that took d ms, this process starts the next one no sooner than REST_FACTOR × d ms after. */
export const VACUUM_REST_FACTOR = 9;

export interface DeliveriesVacuumOptions {
  /** Default VACUUM_EVERY_OUTCOMES. */
  everyOutcomes?: number;
  /** Milliseconds, for the rest after a vacuum; default `performance.now`. For tests. */
  clock?: () => number;
}

/**
 * Vacuums `deliveries` after every `everyOutcomes` attempts this process recorded, one vacuum at a time.
 *
 * Each delivery's row is written three times (queued, claimed, finished), and each superseded version
 * leaves an entry in the claim's due index (`deliveries_due`) that every claim steps over until
 * VACUUM removes it. Measured at 500 single publishes/s with one worker and no vacuum: the median
 * publish → receiver latency grew from 3–4 ms to 7 ms after 20 s and past 15 ms after 35 s; one
 * VACUUM (54 ms) brought it back to 1.4 ms. Every 2,500 attempts suited one worker but not two (each
 * counts only its own): p99 stayed at 40–57 ms a second until the first vacuum, 10 s into the run;
 * every 1,000, the whole 20 s run with 2 workers had p99 20 ms, and its throughput did not drop.
 * Autovacuum, where it is on, comes by at most once a minute and only after a fifth of the table
 * changed: too late for a table that is mostly churn.
 *
 * `SKIP_LOCKED`: when another process (or autovacuum) is vacuuming it, this one is skipped. A failed
 * vacuum is left for the next one: it is upkeep, never on a caller's path. A vacuum took 54 ms at
 * 20,000 rows, 36–208 ms at 500,000 and 73–237 ms every 1,000 deliveries at 2,000,000; at thousands
 * of attempts a second, a count alone would run them back to back on a large table. So after each
 * vacuum the process rests nine times as long as it took (VACUUM_REST_FACTOR) before it starts
 * another: vacuuming holds at most a tenth of one connection.
 */
export class DeliveriesVacuum {
  readonly #db: PostgresDatabase;
  readonly #everyOutcomes: number;
  readonly #clock: () => number;
  #since = 0;
  #running: Promise<void> | null = null;
  #restUntil = Number.NEGATIVE_INFINITY;
  #runs = 0;

  constructor(db: PostgresDatabase, options: DeliveriesVacuumOptions = {}) {
    this.#db = db;
    this.#everyOutcomes = options.everyOutcomes ?? VACUUM_EVERY_OUTCOMES;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** How many vacuums this process started, for tests. */
  get runs(): number {
    return this.#runs;
  }

  /** Counts `count` recorded attempts; starts a vacuum when enough have been, unless one is running or resting. */
  recorded(count: number): void {
    this.#since += count;
    if (this.#since < this.#everyOutcomes || this.#running || this.#clock() < this.#restUntil) return;
    this.#since = 0;
    this.#runs += 1;
    const started = this.#clock();
    const rest = () => {
      const ended = this.#clock();
      this.#restUntil = ended + VACUUM_REST_FACTOR * (ended - started);
      this.#running = null;
    };
    this.#running = this.#db.run('VACUUM (SKIP_LOCKED) deliveries').then(rest, rest);
  }

  /** Waits for the vacuum in progress, if any (before the pool closes). */
  async settled(): Promise<void> {
    await this.#running;
  }
}
