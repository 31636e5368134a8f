import type { Logger } from 'pino';
import { coerceError } from '../domain/app-error.ts';
import type { AttemptRecord } from '../storage/records.ts';
import type { AttemptFilters, Storage } from '../storage/storage.ts';
import { matchesAttemptFilters } from './attempt-filter-match.ts';

/** One live-tail client: its filters, where it stands in the log, and how to reach it. */
export interface TailSubscriber {
  filters: AttemptFilters;
  /** The last log position this client has (entries after it are sent). */
  seq: number;
  /** Sends one entry; the subscriber decides what to do with a slow client. */
  send(seq: number, attempt: AttemptRecord): void;
}

export interface LogTailOptions {
  storage: Storage;
  logger: Logger;
  /** How often to look for entries written by other processes while anyone listens; default 100 ms. */
  pollMs?: number;
}

const PAGE = 500;

/**
 * The live tail's single fan-out: one reader of the log's append order per process, however many
 * clients listen. Each tick reads the entries after the furthest-behind client, in order, and hands
 * each client the ones past its own position that pass its filters, so a client resuming from
 * `Last-Event-ID` gets every entry exactly once. A worker in the same process calls `notify()` after
 * each recorded attempt, so entries go out at once; other processes' entries are found by polling.
 */
export class LogTail {
  readonly #storage: Storage;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #subscribers = new Set<TailSubscriber>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #again = false;

  constructor(options: LogTailOptions) {
    this.#storage = options.storage;
    this.#logger = options.logger;
    this.#pollMs = options.pollMs ?? 100;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The position new clients start from (only entries after it are sent). */
  latestSeq(): Promise<number> {
    return this.#storage.latestAttemptSeq();
  }

  subscribe(subscriber: TailSubscriber): () => void {
    this.#subscribers.add(subscriber);
    this.#schedule();
    this.notify();
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }

  /** New entries were written: send them now. */
  notify(): void {
    if (this.#subscribers.size === 0) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = this.#tick().finally(() => {
      this.#ticking = null;
      if (this.#again) {
        this.#again = false;
        this.notify();
      }
    });
  }

  /** Stops polling and forgets every client. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#subscribers.clear();
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.notify(), this.#pollMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    try {
      for (;;) {
        if (this.#subscribers.size === 0) return;
        const from = Math.min(...[...this.#subscribers].map((s) => s.seq));
        const rows = await this.#storage.streamAttempts(from, PAGE);
        if (rows.length === 0) return;
        const searches = await this.#searchMatches(rows.map((r) => r.seq));
        for (const subscriber of this.#subscribers) {
          for (const { seq, attempt } of rows) {
            if (seq <= subscriber.seq) continue;
            subscriber.seq = seq;
            const search = subscriber.filters.search;
            if (search !== undefined && !searches.get(search)?.has(seq)) continue;
            if (matchesAttemptFilters(attempt, subscriber.filters)) subscriber.send(seq, attempt);
          }
        }
        if (rows.length < PAGE) return;
        // A client resuming from far back (Last-Event-ID: 0 on a big log) is caught up page by page:
        // let requests and the worker in between pages, or the whole process stalls until it is done.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.#logger.error({ err: coerceError(error) }, 'live tail could not read the log; retrying on the next tick');
    }
  }

  async #searchMatches(seqs: number[]): Promise<Map<string, Set<number>>> {
    const texts = new Set([...this.#subscribers].map((s) => s.filters.search).filter((t): t is string => t !== undefined));
    const matches = new Map<string, Set<number>>();
    for (const text of texts) matches.set(text, new Set(await this.#storage.searchAttemptSeqs(text, seqs)));
    return matches;
  }
}
