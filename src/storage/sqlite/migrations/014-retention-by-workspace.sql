-- Retention walks each workspace's entries through the (workspace_id, created_at, id) indexes every table
-- already has, instead of an index by age per table that only retention read: three fewer index entries
-- for every event, delivery and log entry written (measured in a storage loop: a batched publish 19.6 →
-- 18.6 µs an event, a recorded outcome 4.5 µs less, and fewer pages in every commit). Each workspace's
-- entries still go oldest first, which is what the stats' partial hours rely on (sqlite-stats.ts).
DROP INDEX attempts_by_age;
DROP INDEX deliveries_by_age;
DROP INDEX events_by_age;
DELETE FROM sqlite_stat1 WHERE idx IN ('attempts_by_age', 'deliveries_by_age', 'events_by_age');
ANALYZE sqlite_schema;
