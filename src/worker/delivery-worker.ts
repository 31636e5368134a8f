import type { Logger } from 'pino';
import { coerceError } from '../domain/app-error.ts';
import type { Clock } from '../domain/clock.ts';
import type { RetrySchedule } from '../domain/retry-schedule.ts';
import { formatDuration } from '../domain/durations.ts';
import type { Sender } from '../delivery/sender.ts';
import type { AttemptOutcome, ClaimAfter, ClaimedDelivery, Storage } from '../storage/storage.ts';
import { decideOutcome, type AttemptResult } from './attempt-outcome.ts';
import { OutcomeWriter, type OutcomesListener } from './outcome-writer.ts';
import { RateLimiter } from '../domain/rate-limiter.ts';
import { signedRequest } from './signed-request.ts';

/** How long a stopping worker keeps retrying outcome writes that storage refuses. */
const STOP_WRITE_GRACE_MS = 5_000;
/**
 * An attempt running this long stops counting against `HERALD_CONCURRENCY` (up to SLOW_POOL_FACTOR ×
 * concurrency such attempts): its receiver is slow or hanging, and it is waiting, not working. Without
 * this, 64 hanging endpoints held every slot until their timeouts and healthy endpoints waited.
 */
const SLOW_AFTER_MS = 1_000;
const SLOW_POOL_FACTOR = 16;
/**
 * After a claim that left due work behind for fairness, the next claim waits for a batch of finished
 * attempts, but never longer than this: where attempts are slow, waiting for the batch would leave
 * slots idle while the backlog grows (latency at 500 events/s went from 24 ms to 600 ms that way).
 */
const RECLAIM_AFTER_CAPPED_MS = 5;

/** How a worker runs. */
export interface WorkerOptions {
  storage: Storage;
  sender: Sender;
  clock: Clock;
  logger: Logger;
  retrySchedule: RetrySchedule;
  /** Deliveries in flight at once (`HERALD_CONCURRENCY`). */
  concurrency: number;
  /** Added to an endpoint's timeout to make a claim's lease; default 10 s. */
  leaseMarginMs?: number;
  /** Longest sleep between looks at the queue, for work written by other processes; default 1 s. */
  pollIntervalMs?: number;
  /** Jitter source, [0, 1); default Math.random. */
  random?: () => number;
  /** Told of every batch of recorded attempts once durable (metrics, live tail, operational events). */
  onRecorded?: OutcomesListener;
  /** `HERALD_DISABLE_AFTER` in ms: an endpoint failing without a success this long is disabled. Default: never. */
  disableAfterMs?: number;
}

/**
 * Claims due deliveries → sends each → records the attempt → schedules the next.
 * One loop per process; `wake()` makes it look at the queue at once (called on publish and retry).
 * `stop()` stops claiming, lets in-flight attempts finish and be recorded, then resolves.
 */
export class DeliveryWorker {
  readonly #options: Required<Omit<WorkerOptions, 'onRecorded' | 'disableAfterMs'>> & Pick<WorkerOptions, 'onRecorded' | 'disableAfterMs'>;
  readonly #limiter = new RateLimiter();
  readonly #writer: OutcomeWriter;
  /** Attempts holding one of the `concurrency` slots. */
  #inFlight = 0;
  /** Attempts running longer than SLOW_AFTER_MS, moved out of the slots (at most SLOW_POOL_FACTOR × concurrency). */
  #slow = 0;
  /**
   * Attempts whose receiver has answered and whose outcome is being written. They hold no slot: a slot
   * is a request to a receiver, and holding it through the group commit too (up to a few ms under load)
   * left the main thread idle a quarter of the time at full load, with every slot waiting on the log.
   * Beyond `concurrency` of them (storage slower than the receivers), claims hold back.
   */
  #recording = 0;
  #running = false;
  #loop: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #woken = false;
  /** New work was published or retried since the loop last looked (an attempt finishing is not new work). */
  #newWork = false;

  constructor(options: WorkerOptions) {
    this.#options = { leaseMarginMs: 10_000, pollIntervalMs: 1000, random: Math.random, ...options };
    this.#writer = new OutcomeWriter(options.storage, options.logger, (outcomes, health) => {
      this.#options.onRecorded?.(outcomes, health);
    });
  }

  /** Attempts under way now. */
  get inFlight(): number {
    return this.#inFlight + this.#slow;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New work may be due: look at the queue now instead of at the next timer. */
  wake(): void {
    this.#newWork = true;
    this.#nudge();
  }

  /** Makes the loop look again (a slot was freed); whether it claims depends on how many are free. */
  #nudge(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /**
   * Graceful stop: no new claims; in-flight attempts finish and are recorded. Outcomes that storage
   * still refuses {@link STOP_WRITE_GRACE_MS} after the stop began are given up (their leases bring
   * the deliveries back), so a stop always ends.
   */
  async stop(): Promise<void> {
    this.#running = false;
    this.#writer.giveUpAfter(Date.now() + STOP_WRITE_GRACE_MS);
    this.wake();
    await this.#loop;
    while (this.#inFlight + this.#slow > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.#writer.flush();
  }

  async #run(): Promise<void> {
    const { storage, clock, concurrency, leaseMarginMs } = this.#options;
    // While a backlog waits, claim in batches of a quarter of the slots: fewer, larger claim transactions.
    const claimBatch = Math.max(1, Math.ceil(concurrency / 4));
    // Free slots the next claim waits for. After a claim that left due work behind (its endpoints hold
    // their fair share: storage's claim), claiming again at every finished attempt would take one
    // delivery per claim at the full price of a claim; it waits for half the slots' worth of finished
    // attempts instead (a quarter made twice as many claims of half the size: ~10 % fewer deliveries/s
    // in bench scenario 2), or RECLAIM_AFTER_CAPPED_MS, or new work (wake), whichever comes first.
    let needFree = 1;
    let claimBy = Infinity;
    let claimFailures = 0;
    while (this.#running) {
      this.#woken = false;
      if (this.#newWork || Date.now() >= claimBy) {
        needFree = 1;
        claimBy = Infinity;
      }
      this.#newWork = false;
      let sleepMs = this.#options.pollIntervalMs;
      const free = concurrency - this.#inFlight - Math.max(0, this.#recording - concurrency);
      let full = false; // this claim took all it asked for: more may be due at once
      if (free >= needFree) {
        try {
          const limit = Math.min(free, 256);
          const now = clock.now();
          const after: ClaimAfter = {};
          const claimed = await storage.claimDueDeliveries(now, limit, leaseMarginMs, after);
          const heldUntil = await this.#dispatch(claimed);
          full = claimed.length === limit;
          needFree = full ? claimBatch : 1;
          if (!full) {
            // The claim may have told the next run time as of its snapshot; deliveries it took and
            // gave back for a rate limit are due again earlier than their leases, at `heldUntil`.
            const told = after.nextRunAt !== undefined ? after.nextRunAt : await this.#nextDue();
            const next = heldUntil === null ? told : Math.min(heldUntil, told ?? Infinity);
            if (next !== null && next <= now) {
              // Due work left behind: wait for two batches of slots, or a moment.
              needFree = Math.min(concurrency, concurrency - this.#inFlight + 2 * claimBatch);
              claimBy = Date.now() + RECLAIM_AFTER_CAPPED_MS;
            } else if (next !== null) {
              sleepMs = Math.max(0, Math.min(sleepMs, next - clock.now())); // until the next is due
            }
          }
          if (claimFailures > 0) this.#options.logger.info({ failures: claimFailures }, 'claiming due deliveries works again');
          claimFailures = 0;
        } catch (error) {
          // Logged once, then retried with a growing pause (100 ms … 5 s): a storage outage or a full
          // disk must neither spin a core nor fill the logs.
          if (claimFailures === 0) this.#options.logger.error({ err: coerceError(error) }, 'claiming due deliveries failed; retrying with back-off until it works');
          claimFailures += 1;
          await this.#pause(Math.min(5000, 100 * 2 ** (claimFailures - 1)));
          continue;
        }
      }
      if (!this.#running) break;
      if (full && concurrency - this.#inFlight >= needFree) continue;
      // The poll interval passing means: look again whatever is free (work of other processes, ends of leases).
      if (await this.#sleep(Math.max(0, Math.min(sleepMs, claimBy - Date.now())))) needFree = 1;
    }
  }

  /** Waits `ms` whatever wakes the loop, cut short only by stop(). */
  async #pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.#running && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
  }

  /** The earliest due time or lease end in storage, or null (none, or storage could not say). */
  async #nextDue(): Promise<number | null> {
    try {
      return await this.#options.storage.nextRunAt();
    } catch {
      return null;
    }
  }

  /** Sleeps until `ms` pass (then true) or the loop is nudged (false). */
  #sleep(ms: number): Promise<boolean> {
    // Never an already-resolved promise: the loop must yield to I/O, or it could spin on microtasks alone.
    if (this.#woken || ms <= 0) return new Promise((resolve) => setImmediate(() => resolve(ms <= 0)));
    return new Promise((resolve) => {
      const self = this;
      const timer = setTimeout(() => done(true), ms);
      function done(timedOut: boolean): void {
        clearTimeout(timer);
        self.#wakeUp = null;
        resolve(timedOut);
      }
      this.#wakeUp = () => done(false);
    });
  }

  /** Starts an attempt of each claimed delivery, or gives it back when a rate limit holds it; returns when the earliest given back is due again (or null). */
  async #dispatch(claimed: ClaimedDelivery[]): Promise<number | null> {
    const held: Array<{ deliveryId: string; runAt: number }> = [];
    for (const item of claimed) {
      const now = this.#options.clock.now();
      const waitMs = await this.#rateLimitWait(item, now);
      if (waitMs > 0) {
        held.push({ deliveryId: item.delivery.id, runAt: now + waitMs });
        continue;
      }
      this.#inFlight += 1;
      // An attempt still running after SLOW_AFTER_MS (a receiver that hangs or drips) gives its slot
      // back and waits in the slow pool, so hanging endpoints cannot hold every slot between them.
      let slow = false;
      const timer = setTimeout(() => {
        if (this.#slow >= this.#options.concurrency * SLOW_POOL_FACTOR) return;
        slow = true;
        this.#inFlight -= 1;
        this.#slow += 1;
        this.#nudge();
      }, SLOW_AFTER_MS);
      timer.unref();
      void this.#attempt(item).then((outcome) => this.#record(outcome)).finally(() => {
        clearTimeout(timer);
        if (slow) this.#slow -= 1;
        else this.#inFlight -= 1;
        this.#nudge();
      });
    }
    if (held.length === 0) return null;
    this.#options.storage.releaseDeliveries(held).catch((error: unknown) => {
      this.#options.logger.error({ err: coerceError(error) }, 'releasing rate-limited deliveries failed; their leases will expire');
    });
    return Math.min(...held.map((release) => release.runAt));
  }

  /**
   * 0 when the endpoint's `rate_limit_per_s` lets this attempt start now, else the ms to wait. The limit
   * is shared by every worker process (a slot taken in storage); this process's own bucket answers
   * first, since when it says no, the shared one would too.
   */
  async #rateLimitWait(item: ClaimedDelivery, now: number): Promise<number> {
    const endpoint = item.endpoint;
    if (endpoint === null || endpoint.rateLimitPerS === null) return 0;
    const local = this.#limiter.take(endpoint.id, endpoint.rateLimitPerS, now);
    if (!local.allowed) return local.waitMs;
    try {
      return await this.#options.storage.takeRateSlot(endpoint.id, endpoint.rateLimitPerS, now);
    } catch (error) {
      this.#options.logger.error({ err: coerceError(error) }, 'taking a rate-limit slot failed; holding the delivery for a second');
      return 1000;
    }
  }

  /** Hands an outcome to the group commit; the attempt's slot is freed meanwhile (see {@link #recording}). */
  #record(outcome: AttemptOutcome): void {
    this.#recording += 1;
    void this.#writer.write(outcome).then(() => {
      this.#recording -= 1;
      // Look again: the write may have made work due (a retry), and claims held back may go on.
      this.#nudge();
    });
  }

  /** Sends one claimed delivery (or not: a deleted or disabled endpoint) and decides what comes next. */
  async #attempt(claimed: ClaimedDelivery): Promise<AttemptOutcome> {
    const { clock, sender, retrySchedule, random } = this.#options;
    let result: AttemptResult;
    const endpoint = claimed.endpoint;
    if (endpoint === null || !endpoint.enabled) {
      const message = endpoint === null
        ? 'the endpoint was deleted before this delivery was attempted'
        : `the endpoint is disabled (${endpoint.disabledReason ?? 'no reason given'}); recover the delivery after enabling it`;
      result = { kind: 'not_sent', error: { code: 'ENDPOINT_DISABLED', message }, at: clock.now() };
    } else {
      const request = signedRequest(claimed, endpoint, clock.now());
      result = { kind: 'sent', result: await sender.send(request), requestHeaders: request.headers };
    }
    const outcome = decideOutcome(claimed, result, retrySchedule, random());
    const { disableAfterMs } = this.#options;
    if (disableAfterMs !== undefined && outcome.attempt.status === 'failed') {
      const cutoff = outcome.attempt.completedAt - disableAfterMs;
      outcome.disableIfFailingSince = { cutoff, reason: `every attempt failed for ${formatDuration(disableAfterMs)} (HERALD_DISABLE_AFTER)` };
    }
    return outcome;
  }
}
