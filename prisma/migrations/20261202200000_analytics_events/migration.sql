-- Hand-written: the analytics context (libs/analytics). AnalyticsEvent becomes telemetry
-- storage partitioned by day (the seed's "Analytics Events: partitioned by date"), with the
-- tables around it: exact de-duplication, quarantine, hourly rollups with RLS (which
-- materialized views cannot carry), per-company settings and the seals of accepted batches.
-- The table held no rows before this context existed, so it is recreated rather than copied.
-- It is listed in prisma/external-tables.json; its daily partitions live in schema "analytics",
-- where the schema diff never looks.

DROP TABLE "AnalyticsEvent";

CREATE TABLE "AnalyticsEvent" (
    "id"         TEXT         NOT NULL,
    "eventType"  TEXT         NOT NULL,
    "eventData"  JSONB        NOT NULL,
    "userId"     TEXT,
    "companyId"  TEXT         NOT NULL,
    -- When it happened, corrected for the client's clock skew (timestamp + receivedAt - sentAt).
    "timestamp"  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt"     TIMESTAMP(3),
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "messageId"  TEXT         NOT NULL,
    -- The sealed batch the row arrived in (analytics_batches); NULL for rows the projection wrote.
    "batchId"    TEXT,
    CONSTRAINT "AnalyticsEvent_pkey" PRIMARY KEY ("id", "timestamp"),
    CONSTRAINT "AnalyticsEvent_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "AnalyticsEvent_eventType_check" CHECK ("eventType" IN ('user_action', 'system_event', 'ai_prediction'))
) PARTITION BY RANGE ("timestamp");

-- Insert-heavy: the seed's composite index and a BRIN index on time, nothing else. The other
-- single-column btree indexes of the seed would each cost every insert for no query we run.
CREATE INDEX "idx_analytics_company_event_timestamp" ON "AnalyticsEvent" ("companyId", "eventType", "timestamp");
CREATE INDEX "AnalyticsEvent_timestamp_brin" ON "AnalyticsEvent" USING brin ("timestamp");

CREATE SCHEMA IF NOT EXISTS "analytics";
REVOKE ALL ON SCHEMA "analytics" FROM PUBLIC;
-- Catches a day whose partition the job did not create in time; health reports rows here.
CREATE TABLE "analytics"."AnalyticsEvent_default" PARTITION OF "AnalyticsEvent" DEFAULT;

ALTER TABLE "AnalyticsEvent" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "AnalyticsEvent" FORCE ROW LEVEL SECURITY;
CREATE POLICY "AnalyticsEvent_tenant_isolation" ON "AnalyticsEvent" USING (app_can_access("companyId")) WITH CHECK (app_can_access("companyId"));
GRANT SELECT, INSERT, DELETE ON "AnalyticsEvent" TO maple_app;

-- Every partition carries the parent's policy too (a direct read of a partition would skip
-- the parent's); the application role cannot even reach schema "analytics".
CREATE FUNCTION "analytics_protect_partition"(p_schema TEXT, p_name TEXT)
RETURNS VOID LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', p_schema, p_name);
  EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', p_schema, p_name);
  EXECUTE format('CREATE POLICY %I ON %I.%I USING (app_can_access("companyId")) WITH CHECK (app_can_access("companyId"))', p_name || '_tenant_isolation', p_schema, p_name);
  EXECUTE format('REVOKE ALL ON %I.%I FROM PUBLIC', p_schema, p_name);
END
$$;
SELECT "analytics_protect_partition"('analytics', 'AnalyticsEvent_default');

-- Daily partitions (UTC days) from `days_back` days ago to `days_ahead` days ahead; returns the
-- ones created. Idempotent, for the partitions-ahead job. A day with rows in the default
-- partition is left alone (creating it would fail) and reported by health.
CREATE FUNCTION "analytics_ensure_partitions"(days_back INTEGER, days_ahead INTEGER)
RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  d DATE;
  name TEXT;
BEGIN
  FOR i IN -greatest(days_back, 0)..greatest(days_ahead, 0) LOOP
    d := (now() AT TIME ZONE 'UTC')::date + i;
    name := 'AnalyticsEvent_p' || to_char(d, 'YYYYMMDD');
    CONTINUE WHEN to_regclass(format('%I.%I', 'analytics', name)) IS NOT NULL;
    CONTINUE WHEN EXISTS (SELECT 1 FROM "analytics"."AnalyticsEvent_default" WHERE "timestamp" >= d AND "timestamp" < d + 1);
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF "AnalyticsEvent" FOR VALUES FROM (%L) TO (%L)', 'analytics', name, d::timestamp, (d + 1)::timestamp);
    PERFORM "analytics_protect_partition"('analytics', name);
    RETURN NEXT 'analytics.' || name;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION "analytics_ensure_partitions"(INTEGER, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "analytics_ensure_partitions"(INTEGER, INTEGER) TO maple_app;

-- The daily partitions with their day, and the rows waiting in the default partition.
CREATE FUNCTION "analytics_partitions"()
RETURNS TABLE ("name" TEXT, "day" DATE) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT n.nspname || '.' || c.relname,
         substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']+)''\)')::date
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE i.inhparent = '"AnalyticsEvent"'::regclass
   ORDER BY 2 NULLS LAST
$$;
REVOKE ALL ON FUNCTION "analytics_partitions"() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "analytics_partitions"() TO maple_app;

CREATE FUNCTION "analytics_default_rows"()
RETURNS BIGINT LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT count(*) FROM "analytics"."AnalyticsEvent_default"
$$;
REVOKE ALL ON FUNCTION "analytics_default_rows"() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "analytics_default_rows"() TO maple_app;

-- Retention: drops every daily partition whose whole day is before `cutoff` (never the default
-- one), with the rollup buckets of those days; returns the partitions dropped.
CREATE FUNCTION "analytics_drop_partitions_before"(cutoff DATE)
RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  p RECORD;
BEGIN
  FOR p IN SELECT * FROM "analytics_partitions"() WHERE "day" IS NOT NULL AND "day" + 1 <= cutoff LOOP
    EXECUTE format('DROP TABLE analytics.%I', substring(p."name" FROM length('analytics.') + 1));
    DELETE FROM "analytics_rollup_hourly" WHERE "bucket" >= p."day"::timestamp AT TIME ZONE 'UTC' AND "bucket" < (p."day" + 1)::timestamp AT TIME ZONE 'UTC';
    DELETE FROM "analytics_rollup_users" WHERE "bucket" >= p."day"::timestamp AT TIME ZONE 'UTC' AND "bucket" < (p."day" + 1)::timestamp AT TIME ZONE 'UTC';
    -- A UTC day overlaps the local days before and after it: those are recounted from what is left.
    PERFORM "analytics_rollup_days_recount"(c."company_id", p."day" - 1, p."day" + 1)
       FROM (SELECT DISTINCT "company_id" FROM "analytics_rollup_users_daily" WHERE "day" BETWEEN p."day" - 1 AND p."day" + 1) c;
    RETURN NEXT p."name";
  END LOOP;
END
$$;

-- Exact de-duplication: a messageId is stored once per company; rows older than the window
-- (7 days) are removed by the job, so the guarantee holds for the window.
CREATE TABLE "analytics_message_ids" (
  "company_id"  TEXT        NOT NULL,
  "message_id"  TEXT        NOT NULL,
  "received_at" TIMESTAMPTZ NOT NULL,
  CONSTRAINT "analytics_message_ids_pkey" PRIMARY KEY ("company_id", "message_id")
);
CREATE INDEX "analytics_message_ids_received_brin" ON "analytics_message_ids" USING brin ("received_at");

-- Events too far in the future or older than the late window: kept, not filed under a wrong day.
CREATE TABLE "analytics_quarantine" (
  "company_id"  TEXT        NOT NULL,
  "id"          TEXT        NOT NULL,
  "message_id"  TEXT        NOT NULL,
  "batch_id"    TEXT        NOT NULL,
  "reason"      TEXT        NOT NULL,
  "event"       JSONB       NOT NULL,
  "received_at" TIMESTAMPTZ NOT NULL,
  CONSTRAINT "analytics_quarantine_pkey" PRIMARY KEY ("company_id", "id")
);

-- Hourly rollups per (company, event type): counts, and the distinct users of each hour (so
-- unique users per day or week, in any whole-hour time zone, stay exact).
CREATE TABLE "analytics_rollup_hourly" (
  "company_id" TEXT        NOT NULL,
  "event_type" TEXT        NOT NULL,
  "bucket"     TIMESTAMPTZ NOT NULL,
  "events"     BIGINT      NOT NULL,
  CONSTRAINT "analytics_rollup_hourly_pkey" PRIMARY KEY ("company_id", "event_type", "bucket")
);
CREATE TABLE "analytics_rollup_users" (
  "company_id" TEXT        NOT NULL,
  "event_type" TEXT        NOT NULL,
  "bucket"     TIMESTAMPTZ NOT NULL,
  "user_id"    TEXT        NOT NULL,
  CONSTRAINT "analytics_rollup_users_pkey" PRIMARY KEY ("company_id", "event_type", "bucket", "user_id")
);
-- The distinct users of each day in the company's own zone: unique users by day or week add
-- up from here in a few thousand rows, where hourly sets would be hundreds of thousands.
CREATE TABLE "analytics_rollup_users_daily" (
  "company_id" TEXT NOT NULL,
  "event_type" TEXT NOT NULL,
  "day"        DATE NOT NULL,
  "user_id"    TEXT NOT NULL,
  CONSTRAINT "analytics_rollup_users_daily_pkey" PRIMARY KEY ("company_id", "event_type", "day", "user_id")
);

-- Recounts the daily users of local days [p_from, p_to] from the raw events, in the zone the
-- company has now (after a zone change, a partition drop or batched deletes).
CREATE FUNCTION "analytics_rollup_days_recount"(p_company TEXT, p_from DATE, p_to DATE)
RETURNS VOID LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  tz TEXT := coalesce((SELECT "time_zone" FROM "analytics_settings" WHERE "company_id" = p_company), 'UTC');
BEGIN
  DELETE FROM "analytics_rollup_users_daily" WHERE "company_id" = p_company AND "day" BETWEEN p_from AND p_to;
  INSERT INTO "analytics_rollup_users_daily" ("company_id", "event_type", "day", "user_id")
  SELECT DISTINCT "companyId", "eventType", (("timestamp" AT TIME ZONE 'UTC') AT TIME ZONE tz)::date, "userId"
    FROM "AnalyticsEvent"
   WHERE "companyId" = p_company AND "userId" IS NOT NULL
     AND "timestamp" >= ((p_from::timestamp AT TIME ZONE tz) AT TIME ZONE 'UTC') AND "timestamp" < (((p_to + 1)::timestamp AT TIME ZONE tz) AT TIME ZONE 'UTC');
END
$$;
GRANT EXECUTE ON FUNCTION "analytics_rollup_days_recount"(TEXT, DATE, DATE) TO maple_app;

REVOKE ALL ON FUNCTION "analytics_drop_partitions_before"(DATE) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "analytics_drop_partitions_before"(DATE) TO maple_app;

-- Recounts the rollup buckets of one company between two instants from the raw events, under
-- the caller's row-level security (after batched deletes, and after a bulk load).
CREATE FUNCTION "analytics_rollup_recount"(p_company TEXT, p_from TIMESTAMPTZ, p_to TIMESTAMPTZ)
RETURNS VOID LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  tz TEXT := coalesce((SELECT "time_zone" FROM "analytics_settings" WHERE "company_id" = p_company), 'UTC');
BEGIN
  DELETE FROM "analytics_rollup_hourly" WHERE "company_id" = p_company AND "bucket" >= p_from AND "bucket" < p_to;
  DELETE FROM "analytics_rollup_users" WHERE "company_id" = p_company AND "bucket" >= p_from AND "bucket" < p_to;
  INSERT INTO "analytics_rollup_hourly" ("company_id", "event_type", "bucket", "events")
  SELECT "companyId", "eventType", date_trunc('hour', "timestamp") AT TIME ZONE 'UTC', count(*)
    FROM "AnalyticsEvent" WHERE "companyId" = p_company AND "timestamp" >= p_from AT TIME ZONE 'UTC' AND "timestamp" < p_to AT TIME ZONE 'UTC'
   GROUP BY 1, 2, 3;
  INSERT INTO "analytics_rollup_users" ("company_id", "event_type", "bucket", "user_id")
  SELECT DISTINCT "companyId", "eventType", date_trunc('hour', "timestamp") AT TIME ZONE 'UTC', "userId"
    FROM "AnalyticsEvent" WHERE "companyId" = p_company AND "userId" IS NOT NULL AND "timestamp" >= p_from AT TIME ZONE 'UTC' AND "timestamp" < p_to AT TIME ZONE 'UTC';
  PERFORM "analytics_rollup_days_recount"(p_company, (p_from AT TIME ZONE tz)::date, (p_to AT TIME ZONE tz)::date);
END
$$;
GRANT EXECUTE ON FUNCTION "analytics_rollup_recount"(TEXT, TIMESTAMPTZ, TIMESTAMPTZ) TO maple_app;

-- A company's analytics settings: its time zone for days and weeks, and a retention shorter
-- than the global window (NULL: the global window).
CREATE TABLE "analytics_settings" (
  "company_id"     TEXT        NOT NULL,
  "time_zone"      TEXT        NOT NULL,
  "retention_days" INTEGER,
  "set_by"         TEXT,
  "set_at"         TIMESTAMPTZ NOT NULL,
  CONSTRAINT "analytics_settings_pkey" PRIMARY KEY ("company_id")
);

-- The seal of each accepted batch (projected from AnalyticsBatchSealed, which is in the
-- company's hash chain): what verification recomputes from the stored rows.
CREATE TABLE "analytics_batches" (
  "company_id"  TEXT        NOT NULL,
  "batch_id"    TEXT        NOT NULL,
  "events"      INTEGER     NOT NULL,
  "quarantined" INTEGER     NOT NULL,
  "digest"      TEXT        NOT NULL,
  "first_at"    TIMESTAMP(3),
  "last_at"     TIMESTAMP(3),
  "event_id"    TEXT        NOT NULL,
  "sealed_at"   TIMESTAMPTZ NOT NULL,
  CONSTRAINT "analytics_batches_pkey" PRIMARY KEY ("company_id", "batch_id")
);

-- Asynchronous NDJSON exports: the request, then the file's lines once the job ran.
CREATE TABLE "analytics_exports" (
  "company_id"   TEXT        NOT NULL,
  "export_id"    TEXT        NOT NULL,
  "status"       TEXT        NOT NULL,
  "filter"       JSONB       NOT NULL,
  "requested_by" TEXT        NOT NULL,
  "requested_at" TIMESTAMPTZ NOT NULL,
  "finished_at"  TIMESTAMPTZ,
  "rows"         INTEGER,
  "body"         TEXT,
  "error"        TEXT,
  CONSTRAINT "analytics_exports_pkey" PRIMARY KEY ("company_id", "export_id")
);

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['analytics_message_ids', 'analytics_quarantine', 'analytics_rollup_hourly', 'analytics_rollup_users', 'analytics_rollup_users_daily', 'analytics_settings', 'analytics_batches', 'analytics_exports'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_tenant_isolation', t);
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO maple_app', t);
  END LOOP;
END
$$;

-- The days around the migration exist at once; the job keeps them ahead from then on.
SELECT "analytics_ensure_partitions"(8, 14);
