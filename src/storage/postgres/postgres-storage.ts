import { attemptWhere, deliveryWhere, eventWhere } from '../sql/filters.ts';
import { toPage, windowSql } from '../sql/list-sql.ts';
import { WhereBuilder } from '../sql/where-builder.ts';
import { ATTEMPT_SORT, CREATED_SORT, DELIVERY_SORT, ENDPOINT_SORT } from '../sql/columns.ts';
import { rateWaitMs, takeRateSlotParams, takeRateSlotSql } from '../sql/rate-limit-sql.ts';
import type { ListPage, ListWindow } from '../list-query.ts';
import type { ApiKeyRecord, AttemptDetail, AttemptRecord, DeliveryRecord, EndpointRecord, EventRecord, WorkspaceRecord } from '../records.ts';
import type {
  AttemptFilters,
  AttemptOutcome,
  AttemptSortField,
  AttemptStatsRaw,
  ClaimAfter,
  ClaimedDelivery,
  DeliveryFilters,
  DeliverySortField,
  EndpointPatch,
  EndpointSortField,
  EventFilters,
  EventSortField,
  HealthChanges,
  IdempotencyClaim,
  NewEvent,
  PublishResult,
  PurgeCounts,
  RetryRequestResult,
  StatsQuery,
  Storage,
  StreamedAttempt,
  EndpointRoute,
  VersionedRoutes,
} from '../storage.ts';
import { runMigrations } from './migrate.ts';
import { PostgresDatabase, type PgRow, type SqlExecutor } from './postgres-database.ts';
import { NOT_PURGED } from './postgres-log-horizon.ts';
import * as queue from './postgres-delivery-queue.ts';
import * as maintenance from './postgres-log-maintenance.ts';
import * as stream from './postgres-log-stream.ts';
import { NotificationListener, NotificationSender, type NotificationHandler } from './postgres-notifications.ts';
import { ClaimMemo } from '../sql/fair-claim.ts';
import { AttemptPartitions } from './postgres-partitions.ts';
import { ATTEMPT_COLUMNS, DELIVERY_COLUMNS, ENDPOINT_COLUMNS, endpointValues, toAttempt, toAttemptDetail, toDelivery, toEndpoint, toEvent, toWorkspace } from './postgres-rows.ts';
import { postgresSearch } from './postgres-search.ts';
import { parsePostgresUrl } from './postgres-url.ts';
import { DeliveriesVacuum } from './postgres-vacuum.ts';
import { toEndpointRoute } from '../sql/row-readers.ts';
import { EndpointRouteCache } from '../sql/endpoint-route-cache.ts';

/** How long `ping()` waits for an answer before saying the database is down. */
const PING_TIMEOUT_MS = 1500;

/** What other processes are told: deliveries became due (publish, retry), or log entries were written. */
export type PostgresChannel = 'herald_deliveries' | 'herald_attempts';

export interface PostgresStorageOptions {
  /** The schema to use (created by `migrate()`); overrides the URL's `schema` parameter. */
  schema?: string;
  /** Connections in the pool; overrides the URL's `pool_size` (default 10). */
  poolSize?: number;
  /** Told of connection errors no query is waiting for. Default: one line on stderr. */
  onError?: (error: Error) => void;
  /** Recorded attempts between two vacuums of `deliveries` (default VACUUM_EVERY_OUTCOMES); for tests. */
  vacuumEveryOutcomes?: number;
}

/**
 * The PostgreSQL backend: many Herald processes on one database. Claims use FOR UPDATE SKIP
 * LOCKED; outcomes are written in batches; the log is partitioned by day and searched through a
 * GIN-indexed tsvector; after publish, retry and outcome writes commit, other processes are woken by
 * a NOTIFY (`NotificationSender`).
 * URL: `postgres://user@host:5432/db?schema=herald&pool_size=10`.
 */
export class PostgresStorage implements Storage {
  readonly #db: PostgresDatabase;
  readonly #routes = new EndpointRouteCache();
  readonly #partitions: AttemptPartitions;
  readonly #listener: NotificationListener;
  readonly #notifier: NotificationSender;
  readonly #floorTag: number;
  readonly #claimMemo = new ClaimMemo();
  readonly #vacuum: DeliveriesVacuum;

  constructor(url: string, options: PostgresStorageOptions = {}) {
    const target = parsePostgresUrl(url, {
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
      ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
    });
    this.#db = new PostgresDatabase(target, options.onError ? { onError: options.onError } : {});
    this.#partitions = new AttemptPartitions(this.#db);
    this.#listener = new NotificationListener(this.#db);
    this.#notifier = new NotificationSender(this.#db);
    this.#floorTag = stream.floorLockTag(target.schema);
    this.#vacuum = new DeliveriesVacuum(this.#db, options.vacuumEveryOutcomes !== undefined ? { everyOutcomes: options.vacuumEveryOutcomes } : {});
  }

  /** The schema this storage uses, or null for the connection's default search_path. */
  get schema(): string | null {
    return this.#db.target.schema;
  }

  /** The database, for maintenance and tests. */
  get database(): PostgresDatabase {
    return this.#db;
  }

  /** The log's partitions, for maintenance and tests. */
  get partitions(): AttemptPartitions {
    return this.#partitions;
  }

  async migrate(): Promise<void> {
    await runMigrations(this.#db);
    this.#partitions.forget();
    await this.#partitions.ensureAround(Date.now());
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      const answer = this.#db.get('SELECT 1 AS ok').then((row) => row?.ok === 1, () => false);
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#vacuum.settled();
    await this.#notifier.settled();
    await this.#listener.close();
    await this.#db.close();
  }

  /**
   * Calls `onNotify` on each NOTIFY of `channel` by any Herald process on this database (and schema),
   * and with `null` after the listening connection was lost and came back. Resolves once listening;
   * returns the function that stops it.
   */
  listen(channel: PostgresChannel, onNotify: NotificationHandler): Promise<() => Promise<void>> {
    if (channel !== 'herald_deliveries') return this.#listener.listen(this.channelName(channel), onNotify);
    // Deliveries were queued (or the connection came back, and some may have been): claims look again.
    return this.#listener.listen(this.channelName(channel), (payload) => {
      this.#claimMemo.forget();
      onNotify(payload);
    });
  }

  /** The listening connection's backend pid (null while down), for tests that cut it. */
  get listenerPid(): number | null {
    return this.#listener.backendPid;
  }

  /** The PostgreSQL channel name: one per schema, so deployments sharing a database do not wake each other. */
  channelName(channel: PostgresChannel): string {
    return (this.schema ? `${channel}.${this.schema}` : channel).slice(0, 63);
  }

  /** After a commit: wakes the processes listening on `channel` (and, for deliveries, this process's claims at once). */
  #announce(channel: PostgresChannel): void {
    if (channel === 'herald_deliveries') this.#claimMemo.forget();
    this.#notifier.notify(this.channelName(channel));
  }

  /** The NOTIFYs this storage sends, for tests. */
  get notifier(): NotificationSender {
    return this.#notifier;
  }

  async getSetting(name: string): Promise<string | null> {
    const row = await this.#db.get('SELECT value FROM settings WHERE name = ?', [name]);
    return row ? String(row.value) : null;
  }

  async putSettingOnce(name: string, value: string): Promise<string> {
    await this.#db.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, value]);
    return String((await this.#db.get('SELECT value FROM settings WHERE name = ?', [name]))?.value);
  }

  async createWorkspace(workspace: WorkspaceRecord): Promise<void> {
    await this.#db.run('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)', [workspace.id, workspace.name, workspace.createdAt]);
  }

  async getWorkspace(id: string): Promise<WorkspaceRecord | null> {
    const row = await this.#db.get('SELECT * FROM workspaces WHERE id = ?', [id]);
    return row ? toWorkspace(row) : null;
  }

  async listWorkspaces(window: ListWindow<'created_at'>): Promise<ListPage<WorkspaceRecord>> {
    return this.#list('SELECT * FROM workspaces', new WhereBuilder(), window, CREATED_SORT, toWorkspace);
  }

  async countWorkspaces(): Promise<number> {
    return this.#count('workspaces', new WhereBuilder());
  }

  async countApiKeys(): Promise<number> {
    return this.#count('api_keys', new WhereBuilder());
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#db.run('INSERT INTO api_keys (id, workspace_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)', [
      key.id, key.workspaceId, key.name, key.keyHash, key.createdAt,
    ]);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.#db.get('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
    if (!row) return null;
    return { id: String(row.id), workspaceId: String(row.workspace_id), name: String(row.name), keyHash: String(row.key_hash), createdAt: Number(row.created_at) };
  }

  async deleteApiKey(id: string): Promise<boolean> {
    return (await this.#db.run('DELETE FROM api_keys WHERE id = ?', [id])) > 0;
  }

  async createEndpoint(endpoint: EndpointRecord): Promise<void> {
    const values = { id: endpoint.id, workspace_id: endpoint.workspaceId, created_at: endpoint.createdAt, ...endpointValues(endpoint) };
    const columns = Object.keys(values);
    await this.#db.run(`INSERT INTO endpoints (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(values));
  }

  async getEndpoint(workspaceId: string, id: string): Promise<EndpointRecord | null> {
    const row = await this.#db.get(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL`, [id, workspaceId]);
    return row ? toEndpoint(row) : null;
  }

  async listEndpoints(workspaceId: string, window: ListWindow<EndpointSortField>): Promise<ListPage<EndpointRecord>> {
    const where = new WhereBuilder().add('workspace_id = ?', workspaceId).add('deleted_at IS NULL');
    return this.#list(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints`, where, window, ENDPOINT_SORT, toEndpoint);
  }

  async countEndpoints(workspaceId: string): Promise<number> {
    return this.#count('endpoints', new WhereBuilder().add('workspace_id = ?', workspaceId).add('deleted_at IS NULL'));
  }

  async updateEndpoint(workspaceId: string, id: string, patch: EndpointPatch): Promise<EndpointRecord | null> {
    const values = endpointValues(patch);
    const assignments = Object.keys(values).map((column) => `${column} = ?`);
    const params = Object.values(values);
    if (patch.enabled === true) {
      // Enabling restarts a failure streak's clock: one failure right after must not disable it again at once.
      assignments.push('failing_since = CASE WHEN failing_since IS NULL THEN NULL ELSE ?::bigint END');
      params.push(patch.updatedAt);
    }
    const row = await this.#db.get(
      `UPDATE endpoints SET ${assignments.join(', ')} WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL RETURNING ${ENDPOINT_COLUMNS}`,
      [...params, id, workspaceId],
    );
    return row ? toEndpoint(row) : null;
  }

  async deleteEndpoint(workspaceId: string, id: string, nowMs: number): Promise<boolean> {
    const changed = await this.#db.run(
      'UPDATE endpoints SET deleted_at = ?, enabled = false WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL',
      [nowMs, id, workspaceId],
    );
    return changed > 0;
  }

  async listEndpointRoutes(workspaceId: string): Promise<EndpointRoute[]> {
    return (await this.routesForPublish(workspaceId, { fresh: true })).routes;
  }

  /**
   * Unless `fresh`, the routes this process last read, without a round trip (EndpointRouteCache): a
   * single publish was the version read and the insert, two round trips, each waking a backend (at 500
   * publishes/s on 2 cores, `writev` took a third of the API process's CPU). The insert checks the
   * version it is given.
   */
  async routesForPublish(workspaceId: string, options: { fresh: boolean }): Promise<VersionedRoutes> {
    return this.#routes.read(
      workspaceId,
      options,
      async () => Number((await this.#db.get('SELECT endpoints_version FROM workspaces WHERE id = ?', [workspaceId]))?.endpoints_version ?? -1),
      async () => {
        const rows = await this.#db.all(
          'SELECT id, url, event_types FROM endpoints WHERE workspace_id = ? AND enabled AND deleted_at IS NULL ORDER BY created_at, id',
          [workspaceId],
        );
        return rows.map(toEndpointRoute);
      },
    );
  }

  async publishEvents(workspaceId: string, events: NewEvent[], idempotency: IdempotencyClaim | null, routesVersion?: number): Promise<PublishResult> {
    const queued = events.some((created) => created.deliveries.length > 0);
    const check = routesVersion === undefined ? null : { workspaceId, version: routesVersion };
    // Without an idempotency key, a publish is one statement (INSERT_EVENTS), its own transaction.
    if (!idempotency) {
      if (!(await insertEvents(this.#db, events, check))) return { kind: 'stale_routes' };
      if (queued) this.#announce('herald_deliveries');
      return { kind: 'created' };
    }
    const result = await this.#db.transaction(async (tx): Promise<PublishResult> => {
      // Two publishes with the same key wait for each other here, so the second sees the first's answer.
      await tx.all('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`herald.idempotency:${workspaceId}:${idempotency.key}`]);
      const previous = await tx.get('SELECT request_hash, response, created_at FROM idempotency_keys WHERE workspace_id = ? AND key = ?', [
        workspaceId, idempotency.key,
      ]);
      if (previous && Number(previous.created_at) >= idempotency.notBefore) {
        return previous.request_hash === idempotency.requestHash ? { kind: 'replayed', response: String(previous.response) } : { kind: 'conflict' };
      }
      if (!(await insertEvents(tx, events, check))) return { kind: 'stale_routes' };
      await tx.run(
        `INSERT INTO idempotency_keys (workspace_id, key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, key) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response, created_at = excluded.created_at`,
        [workspaceId, idempotency.key, idempotency.requestHash, idempotency.response, events[0]?.event.createdAt ?? 0],
      );
      return { kind: 'created' };
    });
    if (result.kind === 'created' && queued) this.#announce('herald_deliveries');
    return result;
  }

  async getEvent(workspaceId: string, id: string): Promise<EventRecord | null> {
    const row = await this.#db.get('SELECT * FROM events WHERE id = ? AND workspace_id = ?', [id, workspaceId]);
    return row ? toEvent(row) : null;
  }

  async listEvents(filters: EventFilters, window: ListWindow<EventSortField>): Promise<ListPage<EventRecord>> {
    return this.#list('SELECT * FROM events', eventWhere(filters), window, CREATED_SORT, toEvent);
  }

  async countEvents(filters: EventFilters): Promise<number> {
    return this.#count('events', eventWhere(filters));
  }

  async getDelivery(workspaceId: string, id: string): Promise<DeliveryRecord | null> {
    const row = await this.#db.get(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ? AND workspace_id = ?`, [id, workspaceId]);
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(filters: DeliveryFilters, window: ListWindow<DeliverySortField>): Promise<ListPage<DeliveryRecord>> {
    return this.#list(`SELECT ${DELIVERY_COLUMNS} FROM deliveries`, deliveryWhere(filters), window, DELIVERY_SORT, toDelivery);
  }

  async countDeliveries(filters: DeliveryFilters): Promise<number> {
    return this.#count('deliveries', deliveryWhere(filters));
  }

  async listDeliveriesOfEvents(workspaceId: string, eventIds: string[]): Promise<DeliveryRecord[]> {
    if (eventIds.length === 0) return [];
    const rows = await this.#db.all(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE workspace_id = ? AND event_id = ANY(?::text[]) ORDER BY created_at, id`,
      [workspaceId, eventIds],
    );
    return rows.map(toDelivery);
  }

  async requestRetry(workspaceId: string, deliveryId: string, nowMs: number): Promise<RetryRequestResult> {
    if ((await this.requestRetries(workspaceId, [deliveryId], nowMs)) === 0) return { kind: 'not_found' };
    const row = await this.#db.get(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`, [deliveryId]);
    return row ? { kind: 'queued', delivery: toDelivery(row) } : { kind: 'not_found' };
  }

  async claimDueDeliveries(nowMs: number, limit: number, leaseMarginMs: number, after?: ClaimAfter): Promise<ClaimedDelivery[]> {
    return queue.claimDueDeliveries(this.#db, nowMs, limit, leaseMarginMs, this.#claimMemo, after);
  }

  async takeRateSlot(endpointId: string, perSecond: number, nowMs: number): Promise<number> {
    if (await this.#db.get(takeRateSlotSql('GREATEST'), takeRateSlotParams(endpointId, perSecond, nowMs))) return 0;
    const row = await this.#db.get('SELECT rate_tat FROM endpoints WHERE id = ?', [endpointId]);
    return rateWaitMs(Number(row?.rate_tat ?? nowMs), perSecond, nowMs);
  }

  async releaseDeliveries(releases: Array<{ deliveryId: string; runAt: number }>): Promise<void> {
    await queue.releaseDeliveries(this.#db, releases);
    this.#claimMemo.forget();
  }

  async recordOutcomes(outcomes: AttemptOutcome[]): Promise<HealthChanges> {
    const changes = await queue.recordOutcomes(this.#db, this.#partitions, { floorTag: this.#floorTag }, outcomes);
    if (outcomes.length > 0) this.#announce('herald_attempts');
    this.#vacuum.recorded(outcomes.length);
    return changes;
  }

  /** The vacuum of `deliveries` this process runs, for tests. */
  get vacuum(): DeliveriesVacuum {
    return this.#vacuum;
  }

  async nextRunAt(): Promise<number | null> {
    return queue.nextRunAt(this.#db);
  }

  async queueDepth(nowMs: number): Promise<{ due: number; scheduled: number; oldestDueAt: number | null }> {
    return queue.queueDepth(this.#db, nowMs);
  }

  async getAttempt(workspaceId: string, id: string): Promise<{ attempt: AttemptRecord; detail: AttemptDetail | null } | null> {
    const row = await this.#db.get(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE id = ? AND workspace_id = ? AND ${NOT_PURGED}`, [id, workspaceId]);
    if (!row) return null;
    const detail = await this.#db.get('SELECT * FROM attempt_details WHERE attempt_id = ? AND created_at = ?', [id, Number(row.created_at)]);
    return { attempt: toAttempt(row), detail: detail ? toAttemptDetail(detail) : null };
  }

  async listAttempts(filters: AttemptFilters, window: ListWindow<AttemptSortField>): Promise<ListPage<AttemptRecord>> {
    return this.#list(`SELECT ${ATTEMPT_COLUMNS} FROM attempts`, attemptWhere(filters, postgresSearch).add(NOT_PURGED), window, ATTEMPT_SORT, toAttempt);
  }

  async countAttempts(filters: AttemptFilters): Promise<number> {
    return this.#count('attempts', attemptWhere(filters, postgresSearch).add(NOT_PURGED));
  }

  async listAttemptsOfDelivery(workspaceId: string, deliveryId: string): Promise<AttemptRecord[]> {
    const rows = await this.#db.all(
      `SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? AND workspace_id = ? AND ${NOT_PURGED} ORDER BY attempt, created_at, id`,
      [deliveryId, workspaceId],
    );
    return rows.map(toAttempt);
  }

  async streamAttempts(afterSeq: number, limit: number): Promise<StreamedAttempt[]> {
    return stream.streamAttempts(this.#db, this.#floorTag, afterSeq, limit);
  }

  async searchAttemptSeqs(search: string, seqs: number[]): Promise<number[]> {
    return stream.searchAttemptSeqs(this.#db, search, seqs);
  }

  async latestAttemptSeq(): Promise<number> {
    return stream.latestAttemptSeq(this.#db, this.#floorTag);
  }

  async attemptStats(query: StatsQuery): Promise<AttemptStatsRaw> {
    return maintenance.attemptStats(this.#db, query);
  }

  async requestRetries(workspaceId: string, deliveryIds: string[], nowMs: number): Promise<number> {
    const queued = await this.#db.transaction((tx) => maintenance.requestRetries(tx, workspaceId, deliveryIds, nowMs));
    if (queued > 0) this.#announce('herald_deliveries');
    return queued;
  }

  async requeueFailedDeliveries(workspaceId: string, endpointId: string, since: number, until: number, limit: number, nowMs: number): Promise<number> {
    const queued = await this.#db.transaction((tx) => maintenance.requeueFailedDeliveries(tx, workspaceId, endpointId, since, until, limit, nowMs));
    if (queued > 0) this.#announce('herald_deliveries');
    return queued;
  }

  /** Also keeps the log's partitions ready for the coming days (retention runs on a schedule). */
  async purgeBatch(cutoff: number, idempotencyCutoff: number, limit: number): Promise<PurgeCounts> {
    await this.#partitions.ensureAround(Date.now()).catch((error: unknown) => this.#db.onError(error as Error));
    return maintenance.purgeBatch(this.#db, this.#partitions, cutoff, idempotencyCutoff, limit);
  }

  async #list<F extends string, R>(
    select: string,
    where: WhereBuilder,
    window: ListWindow<F>,
    columns: Record<F, string>,
    map: (row: PgRow) => R,
  ): Promise<ListPage<R>> {
    const sql = `${select} ${windowSql(window, columns, where)}`;
    return toPage((await this.#db.all(sql, where.params)).map(map), window.limit);
  }

  async #count(table: string, where: WhereBuilder): Promise<number> {
    return Number((await this.#db.get(`SELECT COUNT(*) AS n FROM ${table} ${where.toSql()}`, where.params))?.n ?? 0);
  }
}

/**
 * Events, their tags and their deliveries in one statement: one round trip, and, run on its own, a
 * transaction by itself. A publish was BEGIN, three INSERTs, the NOTIFY and COMMIT: six round trips, each costing
 * CPU in the API process and the server (at 500 single publishes/s on 2 cores, the machine was
 * saturated). The NOTIFY that wakes the workers is sent after the commit (`NotificationSender`).
 * Given the version of the routes the deliveries were fanned out to (the first placeholders), it
 * inserts nothing unless the workspace's endpoints are still at that version, and says whether it did.
 */
const INSERT_EVENTS = `WITH
  current_routes AS MATERIALIZED (
    SELECT ?::bigint IS NULL OR coalesce((SELECT endpoints_version FROM workspaces WHERE id = ?::text), -1) = ?::bigint AS ok
  ),
  inserted_events AS (
    INSERT INTO events (id, workspace_id, type, payload, tags, created_at)
    SELECT e.* FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[]) e WHERE (SELECT ok FROM current_routes)
  ),
  inserted_tags AS (
    INSERT INTO event_tags (workspace_id, key, value, event_id)
    SELECT t.* FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) t WHERE (SELECT ok FROM current_routes)
  ),
  inserted_deliveries AS (
    INSERT INTO deliveries (id, workspace_id, event_id, endpoint_id, endpoint_url, event_type, status, attempt_count, run_at, next_trigger, created_at, tags)
    SELECT d.* FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::integer[], ?::bigint[], ?::text[], ?::bigint[], ?::text[]) d
    WHERE (SELECT ok FROM current_routes)
  )
  SELECT ok FROM current_routes`;

/**
 * Runs INSERT_EVENTS for `events` (on `db`, or inside a transaction); with `check`, only while the
 * workspace's endpoints are at `check.version`. False when it wrote nothing for that reason.
 */
async function insertEvents(db: SqlExecutor, events: NewEvent[], check: { workspaceId: string; version: number } | null): Promise<boolean> {
  if (events.length === 0) return true;
  const list = events.map((created) => created.event);
  const tags = list.flatMap((event) => Object.entries(event.tags).map(([key, value]) => [event.workspaceId, key, value, event.id] as const));
  const deliveries = events.flatMap((created) => created.deliveries.map((delivery) => ({ delivery, tags: JSON.stringify(created.event.tags) })));
  const column = <T>(pick: (d: DeliveryRecord) => T) => deliveries.map(({ delivery }) => pick(delivery));
  const rows = await db.prepared('herald_insert_events', INSERT_EVENTS, [
    check?.version ?? null, check?.workspaceId ?? null, check?.version ?? null,
    list.map((e) => e.id), list.map((e) => e.workspaceId), list.map((e) => e.type), list.map((e) => e.payload), list.map((e) => JSON.stringify(e.tags)), list.map((e) => e.createdAt),
    tags.map((t) => t[0]), tags.map((t) => t[1]), tags.map((t) => t[2]), tags.map((t) => t[3]),
    column((d) => d.id), column((d) => d.workspaceId), column((d) => d.eventId), column((d) => d.endpointId), column((d) => d.endpointUrl),
    column((d) => d.eventType), column((d) => d.status), column((d) => d.attemptCount), column((d) => d.runAt), column((d) => d.nextTrigger),
    column((d) => d.createdAt), deliveries.map((d) => d.tags),
  ]);
  return rows[0]?.ok === true;
}
