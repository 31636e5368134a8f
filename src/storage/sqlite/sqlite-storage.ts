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
  HealthChanges,
  PurgeCounts,
  StatsQuery,
  StreamedAttempt,
  ClaimedDelivery,
  DeliveryFilters,
  DeliverySortField,
  EndpointPatch,
  EndpointSortField,
  EventFilters,
  EventSortField,
  IdempotencyClaim,
  NewEvent,
  PublishResult,
  RetryRequestResult,
  Storage,
  EndpointRoute,
  VersionedRoutes,
} from '../storage.ts';
import { SqliteDatabase, type SqlValue } from './sqlite-database.ts';
import * as queue from './sqlite-delivery-queue.ts';
import * as maintenance from './sqlite-log-maintenance.ts';
import { clauseOf, SqliteSearch } from './sqlite-search.ts';
import { RollupTally } from './sqlite-rollup-tally.ts';
import { SqlitePurger } from './sqlite-purger.ts';
import { attemptStats, countAttemptsFromRollups } from './sqlite-stats.ts';
import type { SearchClause } from '../sql/filters.ts';
import { ATTEMPT_COLUMNS, ENDPOINT_COLUMNS, endpointValues, toAttempt, toDelivery, toEndpoint, toEvent, toWorkspace } from './sqlite-rows.ts';
import { toEndpointRoute } from '../sql/row-readers.ts';
import { EndpointRouteCache } from '../sql/endpoint-route-cache.ts';
import { ClaimMemo } from '../sql/fair-claim.ts';


/** The embedded backend: one SQLite file in WAL mode. */
export class SqliteStorage implements Storage {
  readonly #db: SqliteDatabase;
  readonly #claimMemo = new ClaimMemo();
  readonly #search: SqliteSearch;
  readonly #purger: SqlitePurger | null;
  readonly #routes = new EndpointRouteCache();

  /** Opens (creating if needed) the database file at `path`; `:memory:` for a throwaway one. */
  constructor(path: string) {
    this.#db = new SqliteDatabase(path);
    this.#search = new SqliteSearch(this.#db);
    this.#purger = path === ':memory:' ? null : new SqlitePurger(path);
  }

  async migrate(): Promise<void> {
    this.#db.migrate();
  }

  async ping(): Promise<boolean> {
    return this.#db.get('SELECT 1 AS ok')?.ok === 1;
  }

  async close(): Promise<void> {
    await this.#purger?.close();
    await this.#db.close();
  }

  async getSetting(name: string): Promise<string | null> {
    const row = this.#db.get('SELECT value FROM settings WHERE name = ?', [name]);
    return row ? String(row.value) : null;
  }

  async putSettingOnce(name: string, value: string): Promise<string> {
    this.#db.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, value]);
    return String(this.#db.get('SELECT value FROM settings WHERE name = ?', [name])?.value);
  }

  async createWorkspace(workspace: WorkspaceRecord): Promise<void> {
    this.#db.run('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)', [workspace.id, workspace.name, workspace.createdAt]);
  }

  async getWorkspace(id: string): Promise<WorkspaceRecord | null> {
    const row = this.#db.get('SELECT * FROM workspaces WHERE id = ?', [id]);
    return row ? toWorkspace(row) : null;
  }

  async listWorkspaces(window: ListWindow<'created_at'>): Promise<ListPage<WorkspaceRecord>> {
    return this.#list('SELECT * FROM workspaces', new WhereBuilder(), window, CREATED_SORT, toWorkspace);
  }

  async countWorkspaces(): Promise<number> {
    return this.#count('workspaces', new WhereBuilder());
  }

  async countApiKeys(): Promise<number> {
    return Number(this.#db.get('SELECT COUNT(*) AS n FROM api_keys')?.n ?? 0);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.#db.run('INSERT INTO api_keys (id, workspace_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)', [
      key.id, key.workspaceId, key.name, key.keyHash, key.createdAt,
    ]);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = this.#db.get('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
    if (!row) return null;
    return { id: String(row.id), workspaceId: String(row.workspace_id), name: String(row.name), keyHash: String(row.key_hash), createdAt: Number(row.created_at) };
  }

  async deleteApiKey(id: string): Promise<boolean> {
    return this.#db.run('DELETE FROM api_keys WHERE id = ?', [id]) > 0;
  }

  async createEndpoint(endpoint: EndpointRecord): Promise<void> {
    const values = { id: endpoint.id, workspace_id: endpoint.workspaceId, created_at: endpoint.createdAt, ...endpointValues(endpoint) };
    const columns = Object.keys(values);
    this.#db.run(`INSERT INTO endpoints (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(values));
  }

  async getEndpoint(workspaceId: string, id: string): Promise<EndpointRecord | null> {
    const row = this.#db.get(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL`, [id, workspaceId]);
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
      assignments.push('failing_since = CASE WHEN failing_since IS NULL THEN NULL ELSE ? END');
      params.push(patch.updatedAt);
    }
    const changed = this.#db.run(
      `UPDATE endpoints SET ${assignments.join(', ')} WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL`,
      [...params, id, workspaceId],
    );
    return changed > 0 ? this.getEndpoint(workspaceId, id) : null;
  }

  async deleteEndpoint(workspaceId: string, id: string, nowMs: number): Promise<boolean> {
    return (
      this.#db.run('UPDATE endpoints SET deleted_at = ?, enabled = 0 WHERE id = ? AND workspace_id = ? AND deleted_at IS NULL', [nowMs, id, workspaceId]) > 0
    );
  }

  async listEndpointRoutes(workspaceId: string): Promise<EndpointRoute[]> {
    return (await this.routesForPublish(workspaceId, { fresh: true })).routes;
  }

  async routesForPublish(workspaceId: string, options: { fresh: boolean }): Promise<VersionedRoutes> {
    return this.#routes.read(
      workspaceId,
      options,
      () => this.#endpointsVersion(workspaceId),
      () =>
        this.#db
          .all('SELECT id, url, event_types FROM endpoints WHERE workspace_id = ? AND enabled = 1 AND deleted_at IS NULL ORDER BY created_at, id', [workspaceId])
          .map(toEndpointRoute),
    );
  }

  #endpointsVersion(workspaceId: string): number {
    return Number(this.#db.get('SELECT endpoints_version FROM workspaces WHERE id = ?', [workspaceId])?.endpoints_version ?? -1);
  }

  async publishEvents(workspaceId: string, events: NewEvent[], idempotency: IdempotencyClaim | null, routesVersion?: number): Promise<PublishResult> {
    // Group commit: the publishes of one turn of the event loop share a COMMIT (each in its own savepoint).
    return this.#db.groupTransaction((): PublishResult => {
      if (routesVersion !== undefined && this.#endpointsVersion(workspaceId) !== routesVersion) return { kind: 'stale_routes' };
      if (idempotency) {
        const previous = this.#db.get('SELECT request_hash, response, created_at FROM idempotency_keys WHERE workspace_id = ? AND key = ?', [
          workspaceId, idempotency.key,
        ]);
        if (previous && Number(previous.created_at) >= idempotency.notBefore) {
          return previous.request_hash === idempotency.requestHash ? { kind: 'replayed', response: String(previous.response) } : { kind: 'conflict' };
        }
      }
      const tally = new RollupTally();
      for (const { event, deliveries } of events) this.#insertEvent(event, deliveries, tally);
      tally.write(this.#db);
      // Told once the deliveries are written (a stale or replayed publish queues nothing), in the same
      // synchronous run as the COMMIT: no claim comes between. A flood's own publishes (to the endpoints
      // the memo is about) leave it be; a savepoint undone later only makes the next claim look again.
      this.#claimMemo.queued(events.flatMap(({ deliveries }) => deliveries.map((delivery) => delivery.endpointId)));
      if (idempotency) {
        this.#db.run(
          `INSERT INTO idempotency_keys (workspace_id, key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (workspace_id, key) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response, created_at = excluded.created_at`,
          [workspaceId, idempotency.key, idempotency.requestHash, idempotency.response, events[0]?.event.createdAt ?? 0],
        );
      }
      return { kind: 'created' };
    });
  }

  #insertEvent(event: EventRecord, deliveries: DeliveryRecord[], tally: RollupTally): void {
    this.#db.run('INSERT INTO events (id, workspace_id, type, payload, tags, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      event.id, event.workspaceId, event.type, event.payload, JSON.stringify(event.tags), event.createdAt,
    ]);
    for (const [key, value] of Object.entries(event.tags)) {
      this.#db.run('INSERT INTO event_tags (workspace_id, key, value, event_id) VALUES (?, ?, ?, ?)', [event.workspaceId, key, value, event.id]);
    }
    const tags = JSON.stringify(event.tags);
    for (const d of deliveries) {
      this.#db.run(
        `INSERT INTO deliveries (id, workspace_id, event_id, endpoint_id, endpoint_url, event_type, status, attempt_count, run_at, next_trigger, created_at, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [d.id, d.workspaceId, d.eventId, d.endpointId, d.endpointUrl, d.eventType, d.status, d.attemptCount, d.runAt, d.nextTrigger, d.createdAt, tags],
      );
      tally.delivery({ workspace_id: d.workspaceId, endpoint_id: d.endpointId, created_at: d.createdAt }, null, d.status);
    }
  }

  async getEvent(workspaceId: string, id: string): Promise<EventRecord | null> {
    const row = this.#db.get('SELECT * FROM events WHERE id = ? AND workspace_id = ?', [id, workspaceId]);
    return row ? toEvent(row) : null;
  }

  async listEvents(filters: EventFilters, window: ListWindow<EventSortField>): Promise<ListPage<EventRecord>> {
    return this.#list('SELECT * FROM events', eventWhere(filters), window, CREATED_SORT, toEvent);
  }

  async countEvents(filters: EventFilters): Promise<number> {
    return this.#count('events', eventWhere(filters));
  }

  async getDelivery(workspaceId: string, id: string): Promise<DeliveryRecord | null> {
    const row = this.#db.get('SELECT * FROM deliveries WHERE id = ? AND workspace_id = ?', [id, workspaceId]);
    return row ? toDelivery(row) : null;
  }

  async listDeliveries(filters: DeliveryFilters, window: ListWindow<DeliverySortField>): Promise<ListPage<DeliveryRecord>> {
    return this.#list('SELECT * FROM deliveries', deliveryWhere(filters), window, DELIVERY_SORT, toDelivery);
  }

  async countDeliveries(filters: DeliveryFilters): Promise<number> {
    return this.#count('deliveries', deliveryWhere(filters));
  }

  async listDeliveriesOfEvents(workspaceId: string, eventIds: string[]): Promise<DeliveryRecord[]> {
    if (eventIds.length === 0) return [];
    const where = new WhereBuilder().add('workspace_id = ?', workspaceId).addIn('event_id', eventIds);
    return this.#db.all(`SELECT * FROM deliveries ${where.toSql()} ORDER BY created_at, id`, where.params).map(toDelivery);
  }

  async requestRetry(workspaceId: string, deliveryId: string, nowMs: number): Promise<RetryRequestResult> {
    if (maintenance.requestRetries(this.#db, workspaceId, [deliveryId], nowMs) === 0) return { kind: 'not_found' };
    this.#claimMemo.forget();
    return { kind: 'queued', delivery: toDelivery(this.#db.get('SELECT * FROM deliveries WHERE id = ?', [deliveryId])!) };
  }

  async claimDueDeliveries(nowMs: number, limit: number, leaseMarginMs: number): Promise<ClaimedDelivery[]> {
    return queue.claimDueDeliveries(this.#db, nowMs, limit, leaseMarginMs, this.#claimMemo);
  }

  async takeRateSlot(endpointId: string, perSecond: number, nowMs: number): Promise<number> {
    return this.#db.transaction(() => {
      if (this.#db.get(takeRateSlotSql('MAX'), takeRateSlotParams(endpointId, perSecond, nowMs))) return 0;
      const row = this.#db.get('SELECT rate_tat FROM endpoints WHERE id = ?', [endpointId]);
      return rateWaitMs(Number(row?.rate_tat ?? nowMs), perSecond, nowMs);
    });
  }

  async releaseDeliveries(releases: Array<{ deliveryId: string; runAt: number }>): Promise<void> {
    queue.releaseDeliveries(this.#db, releases);
    this.#claimMemo.forget();
  }

  async recordOutcomes(outcomes: AttemptOutcome[]): Promise<HealthChanges> {
    return queue.recordOutcomes(this.#db, outcomes);
  }

  async nextRunAt(): Promise<number | null> {
    return queue.nextRunAt(this.#db);
  }

  async queueDepth(nowMs: number): Promise<{ due: number; scheduled: number; oldestDueAt: number | null }> {
    return queue.queueDepth(this.#db, nowMs);
  }

  async getAttempt(workspaceId: string, id: string): Promise<{ attempt: AttemptRecord; detail: AttemptDetail | null } | null> {
    const row = this.#db.get(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE id = ? AND workspace_id = ?`, [id, workspaceId]);
    if (!row) return null;
    const detail = this.#db.get('SELECT * FROM attempt_details WHERE attempt_id = ?', [id]);
    return {
      attempt: toAttempt(row),
      detail: detail
        ? {
            requestHeaders: JSON.parse(String(detail.request_headers)) as Record<string, string>,
            responseHeaders: JSON.parse(String(detail.response_headers)) as Record<string, string>,
            responseBody: String(detail.response_body),
            responseBodyTruncated: Number(detail.response_body_truncated) === 1,
          }
        : null,
    };
  }

  async listAttempts(filters: AttemptFilters, window: ListWindow<AttemptSortField>): Promise<ListPage<AttemptRecord>> {
    const list = (search?: SearchClause) => this.#list(`SELECT ${ATTEMPT_COLUMNS} FROM attempts`, attemptWhere(filters, search), window, ATTEMPT_SORT, toAttempt);
    if (filters.search === undefined) return list();
    const plan = this.#search.plan(filters.search);
    return this.#search.walk(plan, filters, window) ?? list(() => clauseOf(plan));
  }

  async countAttempts(filters: AttemptFilters): Promise<number> {
    const countLog = (subset: AttemptFilters) => this.#count('attempts', attemptWhere(subset, this.#search.clause));
    return countAttemptsFromRollups(this.#db, filters, countLog) ?? countLog(filters);
  }

  async listAttemptsOfDelivery(workspaceId: string, deliveryId: string): Promise<AttemptRecord[]> {
    return this.#db
      .all(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE delivery_id = ? AND workspace_id = ? ORDER BY attempt, created_at, id`, [deliveryId, workspaceId])
      .map(toAttempt);
  }

  async streamAttempts(afterSeq: number, limit: number): Promise<StreamedAttempt[]> {
    return maintenance.streamAttempts(this.#db, afterSeq, limit);
  }

  async searchAttemptSeqs(search: string, seqs: number[]): Promise<number[]> {
    const clause = this.#search.clause(search);
    return this.#db
      .all(`SELECT rowid AS seq FROM attempts WHERE rowid IN (SELECT value FROM json_each(?)) AND ${clause.sql}`, [JSON.stringify(seqs), ...clause.params])
      .map((row) => Number(row.seq));
  }

  async latestAttemptSeq(): Promise<number> {
    return maintenance.latestAttemptSeq(this.#db);
  }

  async attemptStats(query: StatsQuery): Promise<AttemptStatsRaw> {
    return attemptStats(this.#db, query);
  }

  async requestRetries(workspaceId: string, deliveryIds: string[], nowMs: number): Promise<number> {
    this.#claimMemo.forget();
    return maintenance.requestRetries(this.#db, workspaceId, deliveryIds, nowMs);
  }

  async requeueFailedDeliveries(workspaceId: string, endpointId: string, since: number, until: number, limit: number, nowMs: number): Promise<number> {
    this.#claimMemo.forget();
    return maintenance.requeueFailedDeliveries(this.#db, workspaceId, endpointId, since, until, limit, nowMs);
  }

  async purgeBatch(cutoff: number, idempotencyCutoff: number, limit: number): Promise<PurgeCounts> {
    // On a file, in a thread of its own (sqlite-purger.ts): a batch never holds the event loop.
    return this.#purger ? this.#purger.purgeBatch(cutoff, idempotencyCutoff, limit) : maintenance.purgeBatch(this.#db, cutoff, idempotencyCutoff, limit);
  }

  #list<F extends string, R>(
    select: string,
    where: WhereBuilder,
    window: ListWindow<F>,
    columns: Record<F, string>,
    map: (row: Record<string, SqlValue>) => R,
  ): ListPage<R> {
    const sql = `${select} ${windowSql(window, columns, where)}`;
    return toPage(this.#db.all(sql, where.params).map(map), window.limit);
  }

  #count(table: string, where: WhereBuilder): number {
    return Number(this.#db.get(`SELECT COUNT(*) AS n FROM ${table} ${where.toSql()}`, where.params)?.n ?? 0);
  }
}
