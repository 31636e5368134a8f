-- herald_leases_held (005) in PL/pgSQL, same result and same index scan. A LANGUAGE sql function with
-- a SET clause is never inlined, and it plans its query again at every call: every claim paid for
-- that planning (an empty claim: 0.18 ms, 0.13 of them in this function). PL/pgSQL keeps its plan
-- for the connection's life, and the SET clause still holds while the query is planned and run.
CREATE OR REPLACE FUNCTION herald_leases_held(now_ms bigint) RETURNS TABLE (endpoint_id text, n bigint)
  LANGUAGE plpgsql STABLE ROWS 10
  SET enable_bitmapscan = off
  AS $$
BEGIN
  RETURN QUERY
    SELECT d.endpoint_id::text, count(*) FROM deliveries d
    WHERE d.status = 'delivering' AND d.run_at > now_ms
    GROUP BY d.endpoint_id;
END
$$;
