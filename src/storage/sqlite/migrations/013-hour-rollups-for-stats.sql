-- /stats over a long window summed every minute's rollup rows for its counts: 24 h of a busy workspace
-- grouped 5,800 attempt rows by status class and error code and 5,200 delivery rows by status. The whole
-- hours of a window now come from hour rollups and the minutes only answer its edges: attempt_hour_rollups
-- gains the HTTP status class and error code (`count=true` sums them as before), delivery_hour_rollups is new.
-- Kept by the write paths (sqlite-rollup-tally.ts); backfilled from the minute rollups, as migration 011 was.
CREATE TABLE attempt_hour_rollups_013 (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  hour         INTEGER NOT NULL,
  status       TEXT NOT NULL,
  http_class   INTEGER NOT NULL,
  error_code   TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, hour, status, http_class, error_code)
) WITHOUT ROWID;
DROP TABLE attempt_hour_rollups;
ALTER TABLE attempt_hour_rollups_013 RENAME TO attempt_hour_rollups;

-- Deliveries by the hour they were created and the status they have now.
CREATE TABLE delivery_hour_rollups (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  hour         INTEGER NOT NULL,
  status       TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, hour, status)
) WITHOUT ROWID;

-- Retention deletes rollups of whole expired hours, oldest first.
CREATE INDEX attempt_hour_rollups_by_hour ON attempt_hour_rollups (hour);
CREATE INDEX delivery_hour_rollups_by_hour ON delivery_hour_rollups (hour);

INSERT INTO attempt_hour_rollups (workspace_id, endpoint_id, hour, status, http_class, error_code, n)
SELECT workspace_id, endpoint_id, minute / 3600000 * 3600000, status, http_class, error_code, SUM(n)
FROM attempt_rollups GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO delivery_hour_rollups (workspace_id, endpoint_id, hour, status, n)
SELECT workspace_id, endpoint_id, minute / 3600000 * 3600000, status, SUM(n)
FROM delivery_rollups GROUP BY 1, 2, 3, 4;
