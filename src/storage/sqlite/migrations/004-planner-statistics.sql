-- Statistics for the query planner, written by hand instead of measured by ANALYZE: the shape of a
-- large log (about a million entries; few workspaces, a few attempts per event, a few events per tag).
-- Without them SQLite guesses, and on 100,000 entries it sorted a tag filter's rows through the
-- workspace index (70 ms) instead of looking them up by event (0.3 ms), and sorted http_status ranges
-- in a temporary b-tree (35 ms vs 0.9 ms). Fixed numbers give the same good plans at every size, and
-- no ANALYZE ever has to lock a large database. A migration adding an index adds its row here.
-- Columns of `stat`: rows in the table, then rows per distinct value of the first 1, 2, … index columns.
ANALYZE sqlite_schema;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('attempts', 'attempts_by_workspace', '1000000 200000 1 1'),
  ('attempts', 'attempts_by_endpoint', '1000000 200000 20000 1 1'),
  ('attempts', 'attempts_by_status', '1000000 200000 100000 1 1'),
  ('attempts', 'attempts_by_http_status', '1000000 200000 20000 1 1'),
  ('attempts', 'attempts_by_delivery', '1000000 2 1'),
  ('attempts', 'attempts_by_event', '1000000 3'),
  ('attempts', 'attempts_by_age', '1000000 1'),
  ('event_tags', 'event_tags', '2000000 400000 100000 3 1'),
  ('events', 'events_by_workspace', '500000 100000 1 1'),
  ('events', 'events_by_type', '500000 100000 5000 1 1'),
  ('events', 'events_by_age', '500000 1'),
  ('deliveries', 'deliveries_by_workspace', '600000 120000 1 1'),
  ('deliveries', 'deliveries_by_endpoint', '600000 120000 10000 1 1'),
  ('deliveries', 'deliveries_by_status', '600000 120000 60000 1 1'),
  ('deliveries', 'deliveries_by_event', '600000 2'),
  ('deliveries', 'deliveries_by_age', '600000 1'),
  ('deliveries', 'deliveries_due', '1000 1');

-- Load them now, for the statements this connection prepares next.
ANALYZE sqlite_schema;
