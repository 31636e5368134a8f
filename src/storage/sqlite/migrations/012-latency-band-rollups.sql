-- Latency by the hour attempts started and a band of durations: every ms below 16 is a band of its own;
-- above, each power of two is cut in four (16–19, 20–23, …, 1024–1279, …), the band named by its lowest
-- value (`latencyBand` in sqlite-stats.ts computes the same). /stats finds the band that holds each
-- percentile's rank here (~30 rows an hour instead of ~500 distinct durations), then reads only those
-- bands' exact durations from latency_rollups: 24 h of a busy workspace grouped 12,000 rows before.
-- Attempts that never reached the network (ENDPOINT_DISABLED) are left out, as in latency_rollups.
-- Kept by the write paths (sqlite-rollup-tally.ts).
CREATE TABLE latency_band_rollups (
  workspace_id TEXT NOT NULL,
  endpoint_id  TEXT NOT NULL,
  hour         INTEGER NOT NULL,
  band_ms      INTEGER NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, endpoint_id, hour, band_ms)
) WITHOUT ROWID;

-- Retention deletes rollups of whole expired hours, oldest first.
CREATE INDEX latency_band_rollups_by_hour ON latency_band_rollups (hour);

INSERT INTO latency_band_rollups (workspace_id, endpoint_id, hour, band_ms, n)
SELECT workspace_id, endpoint_id, hour,
       CASE WHEN duration_ms < 16 THEN duration_ms
            ELSE duration_ms - duration_ms % (1 << (CAST(log2(duration_ms) AS INTEGER) - 2)) END,
       SUM(n)
FROM latency_rollups GROUP BY 1, 2, 3, 4;
