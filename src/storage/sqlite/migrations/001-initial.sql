-- Herald's first schema. Times are epoch milliseconds; JSON columns hold text.

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE workspaces (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id),
  name         TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL
);

CREATE TABLE endpoints (
  id                         TEXT PRIMARY KEY,
  workspace_id               TEXT NOT NULL REFERENCES workspaces (id),
  url                        TEXT NOT NULL,
  description                TEXT,
  event_types                TEXT,             -- JSON array, NULL = every type
  method                     TEXT NOT NULL,
  headers                    TEXT NOT NULL,    -- JSON object
  secret                     TEXT NOT NULL,
  previous_secret            TEXT,
  previous_secret_expires_at INTEGER,
  enabled                    INTEGER NOT NULL,
  disabled_reason            TEXT,
  timeout_ms                 INTEGER NOT NULL,
  max_attempts               INTEGER NOT NULL,
  rate_limit_per_s           INTEGER,
  metadata                   TEXT NOT NULL,    -- JSON object
  created_at                 INTEGER NOT NULL,
  updated_at                 INTEGER NOT NULL,
  deleted_at                 INTEGER           -- kept so the log can still name it
);
CREATE INDEX endpoints_by_workspace ON endpoints (workspace_id, created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE events (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  type         TEXT NOT NULL,
  payload      TEXT NOT NULL,
  tags         TEXT NOT NULL,                  -- JSON object
  created_at   INTEGER NOT NULL
);
CREATE INDEX events_by_workspace ON events (workspace_id, created_at, id);
CREATE INDEX events_by_type ON events (workspace_id, type, created_at, id);

-- One row per tag of an event, so `tag[K]=V` is an index lookup on every list.
CREATE TABLE event_tags (
  workspace_id TEXT NOT NULL,
  key          TEXT NOT NULL,
  value        TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  PRIMARY KEY (workspace_id, key, value, event_id)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  workspace_id TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response     TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, key)
) WITHOUT ROWID;

CREATE TABLE deliveries (
  id                  TEXT PRIMARY KEY,
  workspace_id        TEXT NOT NULL,
  event_id            TEXT NOT NULL,
  endpoint_id         TEXT NOT NULL,
  endpoint_url        TEXT NOT NULL,
  event_type          TEXT NOT NULL,
  status              TEXT NOT NULL,
  attempt_count       INTEGER NOT NULL,
  run_at              INTEGER,                 -- due time, or lease end while delivering
  next_trigger        TEXT NOT NULL,
  retry_requested     INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  delivered_at        INTEGER,
  response_status     INTEGER,
  response_latency_ms INTEGER,
  last_error_code     TEXT,
  last_error_message  TEXT,
  tags                TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (run_at) WHERE status IN ('queued', 'pending_retry', 'delivering');
CREATE INDEX deliveries_by_workspace ON deliveries (workspace_id, created_at, id);
CREATE INDEX deliveries_by_endpoint ON deliveries (workspace_id, endpoint_id, created_at, id);
CREATE INDEX deliveries_by_status ON deliveries (workspace_id, status, created_at, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

-- The delivery log: one row per HTTP attempt. Narrow on purpose; the bodies live in attempt_details.
CREATE TABLE attempts (
  id              TEXT PRIMARY KEY,
  workspace_id    TEXT NOT NULL,
  delivery_id     TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  endpoint_id     TEXT NOT NULL,
  endpoint_url    TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  trigger         TEXT NOT NULL,
  status          TEXT NOT NULL,
  http_method     TEXT NOT NULL,
  http_status     INTEGER NOT NULL,            -- 0 = no response
  error_code      TEXT,
  error_message   TEXT,
  duration_ms     INTEGER NOT NULL,
  dns_ms          INTEGER,
  connect_ms      INTEGER,
  tls_ms          INTEGER,
  ttfb_ms         INTEGER,
  will_retry      INTEGER NOT NULL,
  next_attempt_at INTEGER,
  tags            TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  completed_at    INTEGER NOT NULL
);
CREATE INDEX attempts_by_workspace ON attempts (workspace_id, created_at, id);
CREATE INDEX attempts_by_endpoint ON attempts (workspace_id, endpoint_id, created_at, id);
CREATE INDEX attempts_by_status ON attempts (workspace_id, status, created_at, id);
CREATE INDEX attempts_by_http_status ON attempts (workspace_id, http_status, created_at, id);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, attempt);
CREATE INDEX attempts_by_event ON attempts (event_id);

CREATE TABLE attempt_details (
  attempt_id              TEXT PRIMARY KEY,
  request_headers         TEXT NOT NULL,
  response_headers        TEXT NOT NULL,
  response_body           TEXT NOT NULL,
  response_body_truncated INTEGER NOT NULL
);
