-- Hand-written: read models that really rebuild (`npm run cli -- projections rebuild`).
-- Listed in prisma/external-tables.json so Prisma's diff leaves the table alone.

-- 1. One row per rebuild run: its projections and tables, the schemas of its own that hold the
--    fresh tables until the swap, and a heartbeat. A second rebuild of the same tables is
--    refused while the first one is moving; a run that stopped moving (its process died) is
--    taken over by the next one, which drops the dead run's schemas. No company rows: the
--    application role may read it (`projections status`), only the owner writes it.
CREATE TABLE "projection_rebuilds" (
  "id"           TEXT        PRIMARY KEY,
  "projections"  TEXT[]      NOT NULL,
  "tables"       TEXT[]      NOT NULL,
  "schemas"      TEXT[]      NOT NULL,
  "status"       TEXT        NOT NULL DEFAULT 'running' CHECK ("status" IN ('running', 'swapped', 'failed', 'abandoned')),
  "events"       BIGINT      NOT NULL DEFAULT 0,
  "started_at"   TIMESTAMPTZ NOT NULL DEFAULT now(),
  "heartbeat_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "finished_at"  TIMESTAMPTZ,
  "error"        TEXT,
  "report"       JSONB
);
CREATE INDEX "projection_rebuilds_running_idx" ON "projection_rebuilds" ("status") WHERE "status" = 'running';
REVOKE ALL ON "projection_rebuilds" FROM maple_app;
GRANT SELECT ON "projection_rebuilds" TO maple_app;

-- 2. Who holds back the catch-up horizon. Readers of the event store take only the events of
--    transactions older than every transaction still running (pg_snapshot_xmin), and
--    transaction ids are cluster-wide: one transaction left open anywhere in the cluster, in
--    any database, holds back every reader (projection daemon, rebuild). This names such
--    transactions, oldest first, prepared ones included (they outlive their session).
--    SECURITY DEFINER: the application role sees other roles' sessions as the owner of this
--    function does (a superuser, or a role granted pg_read_all_stats); where it cannot see a
--    session's start, age_ms is NULL. No query text leaves the function.
CREATE FUNCTION "event_horizon_holders"(p_min_age_ms BIGINT, p_limit INTEGER)
RETURNS TABLE ("pid" INTEGER, "application_name" TEXT, "database" TEXT, "state" TEXT, "age_ms" BIGINT, "prepared" TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT h.pid, h.application_name, h.database, h.state, h.age_ms, h.prepared
    FROM (
      SELECT a.pid, a.application_name::text, a.datname::text AS database, a.state::text AS state,
             (extract(epoch FROM clock_timestamp() - a.xact_start) * 1000)::bigint AS age_ms, NULL::text AS prepared,
             age(a.backend_xid) AS xid_age
        FROM pg_stat_activity a
       WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
      UNION ALL
      SELECT NULL, NULL, p.database::text, 'prepared', (extract(epoch FROM clock_timestamp() - p.prepared) * 1000)::bigint, p.gid, age(p.transaction)
        FROM pg_prepared_xacts p
    ) h
   WHERE h.age_ms IS NULL OR h.age_ms >= p_min_age_ms
   ORDER BY h.xid_age DESC
   LIMIT p_limit
$$;
REVOKE ALL ON FUNCTION "event_horizon_holders"(BIGINT, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "event_horizon_holders"(BIGINT, INTEGER) TO maple_app;
