-- Attempts by the hour they started and their outcome: `count=true` over a long window summed every
-- minute's rollup rows (a week of a busy workspace: ~40,000 rows, 5–8 ms); per hour it reads ~60 times
-- fewer, and the minute rollups answer only the window's edges. Kept by the write paths (sqlite-rollup-tally.ts).
CREATE TABLE attempt_hour_rollups (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  hour         INTEGER NOT NULL,
  status       TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, hour, status)
) WITHOUT ROWID;

INSERT INTO attempt_hour_rollups (workspace_id, endpoint_id, hour, status, n)
SELECT workspace_id, endpoint_id, minute / 3600000 * 3600000, status, SUM(n)
FROM attempt_rollups GROUP BY workspace_id, endpoint_id, minute / 3600000, status;
