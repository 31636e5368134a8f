import pg from 'pg';
import type { PostgresDatabase } from './postgres-database.ts';

/** Called with the payload of each NOTIFY, and with `null` after a lost connection came back (notifications may have been missed). */
export type NotificationHandler = (payload: string | null) => void;

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5000;

/**
 * LISTEN on one dedicated connection (outside the pool: a pooled connection would be handed to
 * other queries), shared by every channel of one storage. When the connection drops, it is opened
 * again with a growing delay (100 ms … 5 s) and every channel listened to again; handlers are then
 * called with `null`, since notifications sent meanwhile are lost: a caller catches up by looking
 * at the queue. Wake-ups are a shortcut, not the only path: callers still poll.
 */
export class NotificationListener {
  readonly #db: PostgresDatabase;
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #backoffMs = MIN_BACKOFF_MS;
  #closed = false;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  /** True while the listening connection is up. */
  get connected(): boolean {
    return this.#client !== null;
  }

  /** The backend process id of the listening connection (for tests that cut it). */
  get backendPid(): number | null {
    return (this.#client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  /**
   * Listens to `channel`; resolves once LISTEN is in place, rejects if the first connection fails.
   * Returns the function that stops listening.
   */
  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('the notification listener is closed');
    let handlers = this.#handlers.get(channel);
    const first = !handlers;
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(handler);
    try {
      const client = await this.#connection();
      if (first) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      this.#remove(channel, handler);
      throw error;
    }
    return async () => {
      if (!this.#remove(channel, handler)) return;
      await this.#client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      if (this.#handlers.size === 0) await this.#disconnect();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    await this.#disconnect();
  }

  /** Removes a handler; true when its channel has no handler left. */
  #remove(channel: string, handler: NotificationHandler): boolean {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return false;
    this.#handlers.delete(channel);
    return true;
  }

  #connection(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client(this.#db.clientConfig());
    const lost = (error?: Error) => {
      if (this.#client !== client) return;
      this.#client = null;
      if (error) this.#db.onError(error);
      void client.end().catch(() => undefined);
      this.#scheduleReconnect();
    };
    client.on('error', (error) => lost(error));
    client.on('end', () => lost());
    client.on('notification', (message) => this.#dispatch(message.channel, message.payload ?? ''));
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      throw new Error('the notification listener is closed');
    }
    this.#client = client;
    this.#backoffMs = MIN_BACKOFF_MS;
    return client;
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#handlers.size === 0 || this.#retryTimer) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closed || this.#handlers.size === 0) return;
      this.#connection().then(
        () => {
          for (const channel of [...this.#handlers.keys()]) this.#dispatch(channel, null);
        },
        (error: unknown) => {
          this.#db.onError(new Error(`LISTEN connection not back yet: ${(error as Error).message}`, { cause: error }));
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#retryTimer.unref();
  }

  #dispatch(channel: string, payload: string | null): void {
    for (const handler of [...(this.#handlers.get(channel) ?? [])]) {
      try {
        handler(payload);
      } catch (error) {
        this.#db.onError(new Error(`a notification handler failed: ${(error as Error).message}`, { cause: error }));
      }
    }
  }

  async #disconnect(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const client = this.#client ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}

/**
 * Sends the NOTIFYs that wake other processes, after the writes they announce have committed, not in
 * those writes' transactions. PostgreSQL makes every transaction that notifies take one lock per
 * database at commit and hold it until its commit is on disk, so notifying transactions commit one
 * after another, each waiting for its own WAL flush: at 500 single publishes a second beside a
 * delivering worker on a 2-core machine, publishes waited for that lock most of their time and the
 * backlog grew to seconds. Here the data commits without it (and flushes together with the other
 * commits of the moment); then one short statement notifies. A transaction that wrote nothing but its
 * NOTIFY does not wait for a WAL flush at commit (50 of them in a row: 2 flushes), so it holds the lock
 * only for an instant. Calls are coalesced: while one NOTIFY is on its way, every channel asked
 * for meanwhile goes out together in the next, which is always sent after the call that asked.
 */
export class NotificationSender {
  readonly #db: PostgresDatabase;
  readonly #waiting = new Set<string>();
  #sending: Promise<void> | null = null;
  /** NOTIFY statements sent (each may carry several channels), for tests. */
  sent = 0;

  constructor(db: PostgresDatabase) {
    this.#db = db;
  }

  /** Notifies `channel` soon, after this call; never throws (a failure goes to the database's onError). */
  notify(channel: string): void {
    this.#waiting.add(channel);
    this.#sending ??= this.#send();
  }

  /** Resolves once every NOTIFY asked for so far has been sent (or has failed). */
  async settled(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #send(): Promise<void> {
    await Promise.resolve(); // the calls of this same turn go together
    while (this.#waiting.size > 0) {
      const channels = [...this.#waiting];
      this.#waiting.clear();
      try {
        await this.#db.all("SELECT pg_notify(channel, '') FROM unnest(?::text[]) AS channel", [channels]);
        this.sent += 1;
      } catch (error) {
        this.#db.onError(new Error(`NOTIFY ${channels.join(', ')} failed (the workers' polling makes up for it): ${(error as Error).message}`, { cause: error }));
      }
    }
    this.#sending = null;
  }
}
