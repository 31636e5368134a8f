-- Pre-aggregated stats, kept exact by triggers in the same transaction as the rows they count, so
-- /stats reads a few thousand rollup rows instead of every attempt in its window (a million-entry log:
-- 143,000 attempts in the last 24 h took ~0.5 s to group; see bench/results/log-queries-*).
-- endpoint_id = '' is the whole workspace (one row instead of one per endpoint for workspace-wide stats).

-- Attempts by the minute they started, outcome, HTTP status class (0 = no response) and error code ('' = none).
CREATE TABLE attempt_rollups (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  minute       INTEGER NOT NULL,
  status       TEXT NOT NULL,
  http_class   INTEGER NOT NULL,
  error_code   TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, minute, status, http_class, error_code)
) WITHOUT ROWID;

-- Exact latency distribution: attempts by the hour they started and their duration in whole ms.
-- Attempts that never reached the network (ENDPOINT_DISABLED) are left out, as in the raw query.
CREATE TABLE latency_rollups (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  hour         INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, hour, duration_ms)
) WITHOUT ROWID;

-- Deliveries by the minute they were created and the status they have now.
CREATE TABLE delivery_rollups (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  minute       INTEGER NOT NULL,
  status       TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, minute, status)
) WITHOUT ROWID;

CREATE TRIGGER attempts_rollup AFTER INSERT ON attempts
BEGIN
  INSERT INTO attempt_rollups (workspace_id, endpoint_id, minute, status, http_class, error_code, n)
  VALUES (new.workspace_id, '', new.created_at / 60000 * 60000, new.status, new.http_status / 100, coalesce(new.error_code, ''), 1),
         (new.workspace_id, new.endpoint_id, new.created_at / 60000 * 60000, new.status, new.http_status / 100, coalesce(new.error_code, ''), 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
  INSERT INTO latency_rollups (workspace_id, endpoint_id, hour, duration_ms, n)
  SELECT new.workspace_id, scope.id, new.created_at / 3600000 * 3600000, new.duration_ms, 1
  FROM (SELECT '' AS id UNION ALL SELECT new.endpoint_id) AS scope
  WHERE coalesce(new.error_code, '') <> 'ENDPOINT_DISABLED'
  ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER deliveries_rollup_insert AFTER INSERT ON deliveries
BEGIN
  INSERT INTO delivery_rollups (workspace_id, endpoint_id, minute, status, n)
  VALUES (new.workspace_id, '', new.created_at / 60000 * 60000, new.status, 1),
         (new.workspace_id, new.endpoint_id, new.created_at / 60000 * 60000, new.status, 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER deliveries_rollup_update AFTER UPDATE OF status ON deliveries WHEN old.status <> new.status
BEGIN
  UPDATE delivery_rollups SET n = n - 1
  WHERE workspace_id = old.workspace_id AND endpoint_id IN ('', old.endpoint_id) AND minute = old.created_at / 60000 * 60000 AND status = old.status;
  INSERT INTO delivery_rollups (workspace_id, endpoint_id, minute, status, n)
  VALUES (new.workspace_id, '', new.created_at / 60000 * 60000, new.status, 1),
         (new.workspace_id, new.endpoint_id, new.created_at / 60000 * 60000, new.status, 1)
  ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Retention deletes whole minutes of rollups by time (the purge), so deleting a row counts nothing down.

-- Backfill from the log already there.
INSERT INTO attempt_rollups (workspace_id, endpoint_id, minute, status, http_class, error_code, n)
SELECT workspace_id, '', created_at / 60000 * 60000, status, http_status / 100, coalesce(error_code, ''), COUNT(*)
FROM attempts GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO attempt_rollups (workspace_id, endpoint_id, minute, status, http_class, error_code, n)
SELECT workspace_id, endpoint_id, created_at / 60000 * 60000, status, http_status / 100, coalesce(error_code, ''), COUNT(*)
FROM attempts GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO latency_rollups (workspace_id, endpoint_id, hour, duration_ms, n)
SELECT workspace_id, '', created_at / 3600000 * 3600000, duration_ms, COUNT(*)
FROM attempts WHERE coalesce(error_code, '') <> 'ENDPOINT_DISABLED' GROUP BY 1, 2, 3, 4;
INSERT INTO latency_rollups (workspace_id, endpoint_id, hour, duration_ms, n)
SELECT workspace_id, endpoint_id, created_at / 3600000 * 3600000, duration_ms, COUNT(*)
FROM attempts WHERE coalesce(error_code, '') <> 'ENDPOINT_DISABLED' GROUP BY 1, 2, 3, 4;
INSERT INTO delivery_rollups (workspace_id, endpoint_id, minute, status, n)
SELECT workspace_id, '', created_at / 60000 * 60000, status, COUNT(*) FROM deliveries GROUP BY 1, 2, 3, 4;
INSERT INTO delivery_rollups (workspace_id, endpoint_id, minute, status, n)
SELECT workspace_id, endpoint_id, created_at / 60000 * 60000, status, COUNT(*) FROM deliveries GROUP BY 1, 2, 3, 4;

-- Retention deletes rollups of whole expired minutes and hours, oldest first.
CREATE INDEX attempt_rollups_by_minute ON attempt_rollups (minute);
CREATE INDEX latency_rollups_by_hour ON latency_rollups (hour);
CREATE INDEX delivery_rollups_by_minute ON delivery_rollups (minute);
