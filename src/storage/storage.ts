import type { DeliveryError } from '../domain/delivery-error.ts';
import type { AttemptStatus, AttemptTrigger, DeliveryStatus } from '../domain/statuses.ts';
import type { HttpStatusFilter, ListPage, ListWindow, TimeRange } from './list-query.ts';
import type {
  ApiKeyRecord,
  AttemptDetail,
  AttemptRecord,
  DeliveryRecord,
  EndpointRecord,
  EventRecord,
  WorkspaceRecord,
} from './records.ts';

export type EndpointSortField = 'created_at' | 'updated_at';
export type EventSortField = 'created_at';
export type DeliverySortField = 'created_at' | 'attempt_count';
export type AttemptSortField = 'created_at' | 'duration_ms' | 'http_status' | 'attempt';

export interface EventFilters extends TimeRange {
  workspaceId: string;
  types?: string[];
  tags?: Record<string, string>;
}

export interface DeliveryFilters extends TimeRange {
  workspaceId: string;
  endpointId?: string;
  eventId?: string;
  eventTypes?: string[];
  statuses?: DeliveryStatus[];
  tags?: Record<string, string>;
}

export interface AttemptFilters extends TimeRange {
  workspaceId: string;
  endpointId?: string;
  deliveryId?: string;
  eventId?: string;
  eventTypes?: string[];
  status?: AttemptStatus;
  httpStatus?: HttpStatusFilter;
  httpMethods?: string[];
  trigger?: AttemptTrigger;
  attempts?: number[];
  tags?: Record<string, string>;
  /** Words (each matched as a prefix, all required) in the URL, event type, error, request or response body. */
  search?: string;
}

/** An enabled endpoint as fan-out sees it. */
export interface EndpointRoute {
  id: string;
  url: string;
  /** Null: every event. */
  eventTypes: string[] | null;
}

/** A new event with the deliveries its fan-out chose; written together or not at all. */
export interface NewEvent {
  event: EventRecord;
  deliveries: DeliveryRecord[];
}

/** What the caller asked to remember under an `Idempotency-Key`. */
export interface IdempotencyClaim {
  key: string;
  /** SHA-256 of the request, to tell a replay from a different body under the same key. */
  requestHash: string;
  /** The answer to give back to a replay (JSON text). */
  response: string;
  /** Entries created before this are expired and may be replaced. */
  notBefore: number;
}

export type PublishResult =
  | { kind: 'created' }
  | { kind: 'replayed'; response: string }
  | { kind: 'conflict' }
  /** The workspace's endpoints changed after the routes given (`routesVersion`) were read: nothing was written. */
  | { kind: 'stale_routes' };

/** The enabled endpoints' routes, with the version of the workspace's endpoints they were read at. */
export interface VersionedRoutes {
  version: number;
  routes: EndpointRoute[];
}

/** A delivery claimed by a worker, with everything needed to send it. */
export interface ClaimedDelivery {
  delivery: DeliveryRecord;
  /** The number the coming attempt will carry. */
  attempt: number;
  trigger: AttemptTrigger;
  payload: string;
  /** `null` when the endpoint was deleted meanwhile. */
  endpoint: EndpointRecord | null;
}

/** The result of one attempt, written in one transaction: the log entry, the delivery, and maybe the endpoint. */
export interface AttemptOutcome {
  attempt: AttemptRecord;
  detail: AttemptDetail;
  delivery: {
    status: DeliveryStatus;
    runAt: number | null;
    deliveredAt: number | null;
    responseStatus: number | null;
    responseLatencyMs: number | null;
    lastError: DeliveryError | null;
  };
  /** Set when the attempt disables its endpoint (a `410 Gone`). */
  disableEndpoint?: { reason: string };
  /**
   * Auto-disable: when the attempt failed and the endpoint has failed without a success since at
   * least this time (epoch ms), the endpoint is disabled with `reason`.
   */
  disableIfFailingSince?: { cutoff: number; reason: string };
}

/** Endpoint health changes that recording outcomes caused, for operational events. */
export interface HealthChanges {
  disabled: Array<{ workspaceId: string; endpointId: string; reason: string }>;
  /** Endpoints whose first success ended a failure streak that began at `failingSince`. */
  recovered: Array<{ workspaceId: string; endpointId: string; failingSince: number }>;
}

/** A log entry with its position in the log's append order (for the live tail). */
export interface StreamedAttempt {
  seq: number;
  attempt: AttemptRecord;
}

/** Aggregates of the log over a window, for `/stats`. */
export interface AttemptStatsRaw {
  deliveriesByStatus: Record<string, number>;
  /**
   * The latency distribution, sorted by durationMs: the exact values at the ranks of every
   * LATENCY_PERCENTILES (domain/percentile.ts); a backend may merge other stretches of it into one
   * entry (counted at its lowest value), so percentiles other than those are not to be read from it.
   */
  durations: Array<{ durationMs: number; count: number }>;
  byStatusClass: Record<string, number>;
  byErrorCode: Record<string, number>;
  series: Array<{ bucketStart: number; succeeded: number; failed: number }>;
}

export interface StatsQuery {
  workspaceId: string;
  endpointId?: string;
  since: number;
  until: number;
  bucketMs: number;
}

/** How many rows one retention batch removed. */
export interface PurgeCounts {
  attempts: number;
  deliveries: number;
  events: number;
  idempotencyKeys: number;
}

export type EndpointPatch = Partial<
  Pick<
    EndpointRecord,
    | 'url'
    | 'description'
    | 'eventTypes'
    | 'method'
    | 'headers'
    | 'enabled'
    | 'disabledReason'
    | 'timeoutMs'
    | 'maxAttempts'
    | 'rateLimitPerS'
    | 'metadata'
    | 'secret'
    | 'previousSecret'
    | 'previousSecretExpiresAt'
  >
> & { updatedAt: number };

/** What a retry request found. */
export type RetryRequestResult =
  | { kind: 'queued'; delivery: DeliveryRecord }
  | { kind: 'not_found' };

/** What other processes sharing the storage announce: new due deliveries, new log entries. */
export type ChangeChannel = 'herald_deliveries' | 'herald_attempts';

/** What a claim may tell besides the deliveries it took (`Storage.claimDueDeliveries`). */
export interface ClaimAfter {
  /** As `nextRunAt()` would answer right after the claim: the earliest due time or lease end, or null when none. */
  nextRunAt?: number | null;
}

/**
 * Everything Herald keeps, one method per operation. Every read that takes a workspace id is scoped
 * to it: another workspace's rows are invisible (`null`, empty lists), never an error.
 * Backends: `sqlite/` (embedded default, one process) and `postgres/` (several processes, several machines).
 */
export interface Storage {
  /** Runs pending numbered migrations. */
  migrate(): Promise<void>;
  /**
   * Optional capability of a backend shared by several processes: calls `onChange` when another
   * process (or this one) wrote to `channel`, and with `null` after a lost connection came back
   * (changes may have been missed: catch up). Resolves once listening; returns the function that stops it.
   * Without it, workers and live tails rely on polling alone.
   */
  listen?(channel: ChangeChannel, onChange: (payload: string | null) => void): Promise<() => Promise<void>>;
  /** True when the database answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /** A small persistent setting (for example the cursor-signing secret). */
  getSetting(name: string): Promise<string | null>;
  /** Stores the value unless one exists; returns the value that is stored. */
  putSettingOnce(name: string, value: string): Promise<string>;

  createWorkspace(workspace: WorkspaceRecord): Promise<void>;
  getWorkspace(id: string): Promise<WorkspaceRecord | null>;
  listWorkspaces(window: ListWindow<'created_at'>): Promise<ListPage<WorkspaceRecord>>;
  countWorkspaces(): Promise<number>;
  countApiKeys(): Promise<number>;
  createApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  /** Returns false when no such key exists. */
  deleteApiKey(id: string): Promise<boolean>;

  createEndpoint(endpoint: EndpointRecord): Promise<void>;
  getEndpoint(workspaceId: string, id: string): Promise<EndpointRecord | null>;
  listEndpoints(workspaceId: string, window: ListWindow<EndpointSortField>): Promise<ListPage<EndpointRecord>>;
  countEndpoints(workspaceId: string): Promise<number>;
  updateEndpoint(workspaceId: string, id: string, patch: EndpointPatch): Promise<EndpointRecord | null>;
  /** Deletes the endpoint; its log stays. Returns false when not found. */
  deleteEndpoint(workspaceId: string, id: string, nowMs: number): Promise<boolean>;
  /** What fan-out needs of the workspace's enabled endpoints (id, URL, event types): no secrets, headers or metadata. */
  listEndpointRoutes(workspaceId: string): Promise<EndpointRoute[]>;
  /**
   * The routes a publish fans out to, with their version; `fresh: false` lets storage answer from what
   * it last read, unchecked (no read at all), since `publishEvents` given that version checks it as it
   * writes. Never mutate the routes returned: they may be shared.
   */
  routesForPublish(workspaceId: string, options: { fresh: boolean }): Promise<VersionedRoutes>;

  /**
   * Writes events and their deliveries in one transaction, honouring the idempotency key. With
   * `routesVersion`, writes nothing and answers `stale_routes` when the workspace's endpoints are no
   * longer at that version.
   */
  publishEvents(workspaceId: string, events: NewEvent[], idempotency: IdempotencyClaim | null, routesVersion?: number): Promise<PublishResult>;
  getEvent(workspaceId: string, id: string): Promise<EventRecord | null>;
  listEvents(filters: EventFilters, window: ListWindow<EventSortField>): Promise<ListPage<EventRecord>>;
  countEvents(filters: EventFilters): Promise<number>;

  getDelivery(workspaceId: string, id: string): Promise<DeliveryRecord | null>;
  listDeliveries(filters: DeliveryFilters, window: ListWindow<DeliverySortField>): Promise<ListPage<DeliveryRecord>>;
  countDeliveries(filters: DeliveryFilters): Promise<number>;
  /** Every delivery of these events, oldest first. */
  listDeliveriesOfEvents(workspaceId: string, eventIds: string[]): Promise<DeliveryRecord[]>;
  /** Queues a manual attempt now (or right after the one in flight). */
  requestRetry(workspaceId: string, deliveryId: string, nowMs: number): Promise<RetryRequestResult>;

  /**
   * Claims up to `limit` due deliveries, each leased for its endpoint's timeout + `leaseMarginMs`; an expired lease is claimed again.
   * A backend that learns `nextRunAt()`'s answer while claiming may put it in `after.nextRunAt`, sparing the caller that query.
   */
  claimDueDeliveries(nowMs: number, limit: number, leaseMarginMs: number, after?: ClaimAfter): Promise<ClaimedDelivery[]>;
  /**
   * Takes one request slot of an endpoint's `rate_limit_per_s`, shared by every worker process.
   * Returns 0 when taken, else the ms until one frees up.
   */
  takeRateSlot(endpointId: string, perSecond: number, nowMs: number): Promise<number>;
  /** Gives claimed deliveries back untouched, due again at `runAt` (e.g. held by a rate limit). */
  releaseDeliveries(releases: Array<{ deliveryId: string; runAt: number }>): Promise<void>;
  /** Records attempts and their deliveries' new state, all in one transaction. */
  recordOutcomes(outcomes: AttemptOutcome[]): Promise<HealthChanges>;
  /** The earliest `run_at` among deliveries that will need a worker, or null when none. */
  nextRunAt(): Promise<number | null>;
  /** Deliveries due now and later, for metrics. */
  queueDepth(nowMs: number): Promise<{ due: number; scheduled: number; oldestDueAt: number | null }>;

  getAttempt(workspaceId: string, id: string): Promise<{ attempt: AttemptRecord; detail: AttemptDetail | null } | null>;
  listAttempts(filters: AttemptFilters, window: ListWindow<AttemptSortField>): Promise<ListPage<AttemptRecord>>;
  countAttempts(filters: AttemptFilters): Promise<number>;
  /** Every attempt of one delivery, by attempt number. */
  listAttemptsOfDelivery(workspaceId: string, deliveryId: string): Promise<AttemptRecord[]>;

  /** Log entries appended after `afterSeq`, in append order, across workspaces (the live tail's feed). */
  streamAttempts(afterSeq: number, limit: number): Promise<StreamedAttempt[]>;
  /** Which of these log positions match `search=` text (the live tail's search filter). */
  searchAttemptSeqs(search: string, seqs: number[]): Promise<number[]>;
  /** The position of the newest log entry (0 when the log is empty). */
  latestAttemptSeq(): Promise<number>;
  /** Counts and latency distribution of the log in a window. */
  attemptStats(query: StatsQuery): Promise<AttemptStatsRaw>;

  /** Queues a manual attempt of each delivery (a bulk retry); returns how many were queued. */
  requestRetries(workspaceId: string, deliveryIds: string[], nowMs: number): Promise<number>;
  /**
   * Re-queues up to `limit` `failed_permanent` deliveries of an endpoint created in [since, until);
   * returns how many. Called until it returns less than `limit`.
   */
  requeueFailedDeliveries(workspaceId: string, endpointId: string, since: number, until: number, limit: number, nowMs: number): Promise<number>;
  /** Deletes one batch of log entries, finished deliveries and events created before `cutoff`, and expired idempotency keys. */
  purgeBatch(cutoff: number, idempotencyCutoff: number, limit: number): Promise<PurgeCounts>;
}
