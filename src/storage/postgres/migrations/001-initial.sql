-- Herald's first PostgreSQL schema: the SQLite schema (migrations 001 + 002) with PostgreSQL's own
-- tools where they help. Times are epoch milliseconds (bigint); JSON columns hold text, sent and
-- shown byte for byte. Ids are compared byte-wise (COLLATE "C") whatever the database's collation,
-- so keyset order is the ids' own order.

CREATE TABLE settings (
  name  text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE workspaces (
  id         text COLLATE "C" PRIMARY KEY,
  name       text NOT NULL,
  created_at bigint NOT NULL
);

CREATE TABLE api_keys (
  id           text COLLATE "C" PRIMARY KEY,
  workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces (id),
  name         text NOT NULL,
  key_hash     text NOT NULL UNIQUE,
  created_at   bigint NOT NULL
);

CREATE TABLE endpoints (
  id                         text COLLATE "C" PRIMARY KEY,
  workspace_id               text COLLATE "C" NOT NULL REFERENCES workspaces (id),
  url                        text NOT NULL,
  description                text,
  event_types                text,              -- JSON array, NULL = every type
  method                     text NOT NULL,
  headers                    text NOT NULL,     -- JSON object
  secret                     text NOT NULL,
  previous_secret            text,
  previous_secret_expires_at bigint,
  enabled                    boolean NOT NULL,
  disabled_reason            text,
  timeout_ms                 integer NOT NULL,
  max_attempts               integer NOT NULL,
  rate_limit_per_s           integer,
  metadata                   text NOT NULL,     -- JSON object
  created_at                 bigint NOT NULL,
  updated_at                 bigint NOT NULL,
  deleted_at                 bigint,            -- kept so the log can still name it
  failing_since              bigint             -- since when every attempt has failed; NULL after a success
);
CREATE INDEX endpoints_by_workspace ON endpoints (workspace_id, created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE events (
  id           text COLLATE "C" PRIMARY KEY,
  workspace_id text COLLATE "C" NOT NULL,
  type         text NOT NULL,
  payload      text NOT NULL,                   -- the JSON text, sent byte for byte
  tags         text NOT NULL,                   -- JSON object
  created_at   bigint NOT NULL
);
CREATE INDEX events_by_workspace ON events (workspace_id, created_at, id);
CREATE INDEX events_by_type ON events (workspace_id, type, created_at, id);
CREATE INDEX events_by_age ON events (created_at);

-- One row per tag of an event, so `tag[K]=V` is an index lookup on every list.
CREATE TABLE event_tags (
  workspace_id text COLLATE "C" NOT NULL,
  key          text NOT NULL,
  value        text NOT NULL,
  event_id     text COLLATE "C" NOT NULL,
  PRIMARY KEY (workspace_id, key, value, event_id)
);
CREATE INDEX event_tags_by_event ON event_tags (event_id);

CREATE TABLE idempotency_keys (
  workspace_id text COLLATE "C" NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  response     text NOT NULL,
  created_at   bigint NOT NULL,
  PRIMARY KEY (workspace_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TABLE deliveries (
  id                  text COLLATE "C" PRIMARY KEY,
  workspace_id        text COLLATE "C" NOT NULL,
  event_id            text COLLATE "C" NOT NULL,
  endpoint_id         text COLLATE "C" NOT NULL,
  endpoint_url        text NOT NULL,
  event_type          text NOT NULL,
  status              text NOT NULL,
  attempt_count       integer NOT NULL,
  run_at              bigint,                   -- due time, or lease end while delivering
  next_trigger        text NOT NULL,
  retry_requested     boolean NOT NULL DEFAULT false,
  created_at          bigint NOT NULL,
  delivered_at        bigint,
  response_status     integer,
  response_latency_ms integer,
  last_error_code     text,
  last_error_message  text,
  tags                text NOT NULL
);
-- Claiming walks this in run_at order (FOR UPDATE SKIP LOCKED); it holds only unfinished rows.
CREATE INDEX deliveries_due ON deliveries (run_at) WHERE status IN ('queued', 'pending_retry', 'delivering');
CREATE INDEX deliveries_by_workspace ON deliveries (workspace_id, created_at, id);
CREATE INDEX deliveries_by_endpoint ON deliveries (workspace_id, endpoint_id, created_at, id);
CREATE INDEX deliveries_by_status ON deliveries (workspace_id, status, created_at, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX deliveries_by_age ON deliveries (created_at);

-- The log's append order (the live tail's positions). CACHE 1 (the default) matters: values are
-- handed out in call order across connections, which the tail's safe-position check relies on
-- (see postgres-log-stream.ts).
CREATE SEQUENCE attempts_seq CACHE 1;

-- The delivery log: one row per HTTP attempt, partitioned by day of created_at (UTC) so retention
-- drops whole partitions. Partitions are created ahead and on demand (postgres-partitions.ts); the
-- DEFAULT partition is a safety net so an insert never fails for want of one.
CREATE TABLE attempts (
  seq             bigint NOT NULL DEFAULT nextval('attempts_seq'),
  id              text COLLATE "C" NOT NULL,
  workspace_id    text COLLATE "C" NOT NULL,
  delivery_id     text COLLATE "C" NOT NULL,
  event_id        text COLLATE "C" NOT NULL,
  endpoint_id     text COLLATE "C" NOT NULL,
  endpoint_url    text NOT NULL,
  event_type      text NOT NULL,
  attempt         integer NOT NULL,
  trigger         text NOT NULL,
  status          text NOT NULL,
  http_method     text NOT NULL,
  http_status     integer NOT NULL,             -- 0 = no response
  error_code      text,
  error_message   text,
  duration_ms     integer NOT NULL,
  dns_ms          integer,
  connect_ms      integer,
  tls_ms          integer,
  ttfb_ms         integer,
  will_retry      boolean NOT NULL,
  next_attempt_at bigint,
  tags            text NOT NULL,
  created_at      bigint NOT NULL,
  completed_at    bigint NOT NULL,
  -- Words of the URL, event type, error, response body and request body (postgres-search.ts).
  search          tsvector NOT NULL,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;
CREATE INDEX attempts_by_workspace ON attempts (workspace_id, created_at, id);
CREATE INDEX attempts_by_endpoint ON attempts (workspace_id, endpoint_id, created_at, id);
CREATE INDEX attempts_by_status ON attempts (workspace_id, status, created_at, id);
CREATE INDEX attempts_by_http_status ON attempts (workspace_id, http_status, created_at, id);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, attempt);
CREATE INDEX attempts_by_event ON attempts (event_id);
CREATE INDEX attempts_by_seq ON attempts (seq);
CREATE INDEX attempts_search ON attempts USING gin (search);
CREATE INDEX attempts_by_age ON attempts (created_at);

-- Retention's horizon: log entries created before it are purged. Reads of the log never see them,
-- so the API answers as if they were deleted at once; the rows themselves go when their whole
-- day's partition is dropped (and from the DEFAULT partition in batches).
CREATE TABLE log_horizon (
  horizon bigint NOT NULL
);
INSERT INTO log_horizon (horizon) VALUES (0);

-- Request headers, response headers and body (≤ 64 KiB): partitioned like attempts, dropped with them.
CREATE TABLE attempt_details (
  attempt_id              text COLLATE "C" NOT NULL,
  created_at              bigint NOT NULL,
  request_headers         text NOT NULL,
  response_headers        text NOT NULL,
  response_body           text NOT NULL,
  response_body_truncated boolean NOT NULL,
  PRIMARY KEY (attempt_id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE attempt_details_default PARTITION OF attempt_details DEFAULT;
