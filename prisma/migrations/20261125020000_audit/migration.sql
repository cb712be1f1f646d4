-- Hand-written: tamper evidence on the event store and the auditors' tables.
-- The hand-made tables are listed in prisma/external-tables.json so Prisma's diff leaves them
-- alone; AuditLog's monthly partitions live in schema "audit" where the diff never looks.

-- ---------------------------------------------------------------------------------------------
-- 1. Hash chain on events. Each event's hash = SHA-256(prev_hash || canonical encoding), chained
-- per company (events without a company form the '__platform__' chain). The application computes
-- the hashes (see libs/platform/src/event-store/event-store.ts, canonicalJson / eventHash) so an
-- offline verifier can recompute them with the same few lines of code.
ALTER TABLE "events" ADD COLUMN "prev_hash" BYTEA, ADD COLUMN "hash" BYTEA;
CREATE INDEX "events_company_position_idx" ON "events" ("company_id", "position");

-- Serialises appends per company only (no global lock), then hands out the chain's head, the
-- positions and the time for the new events. Positions and time are taken AFTER the lock, so a
-- company's chain order is its position order. A VOLATILE function takes a fresh snapshot per
-- statement, so the head read after the lock sees the previous holder's committed events.
-- Time is cut to milliseconds because recorded_at is timestamptz(3) and the hash covers it.
CREATE FUNCTION "events_chain_reserve"(p_company TEXT, p_count INTEGER)
RETURNS TABLE ("prev_hash" TEXT, "position" TEXT, "recorded_at" TEXT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  head BYTEA;
  t TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(20261125, hashtext(coalesce(p_company, '__platform__')));
  IF p_company IS NULL THEN
    SELECT e."hash" INTO head FROM "events" e WHERE e."company_id" IS NULL ORDER BY e."position" DESC LIMIT 1;
  ELSE
    SELECT e."hash" INTO head FROM "events" e WHERE e."company_id" = p_company ORDER BY e."position" DESC LIMIT 1;
  END IF;
  t := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  RETURN QUERY SELECT encode(head, 'hex'), nextval('events_position_seq')::text, t FROM generate_series(1, p_count);
END
$$;
GRANT EXECUTE ON FUNCTION "events_chain_reserve"(TEXT, INTEGER) TO maple_app;

-- ---------------------------------------------------------------------------------------------
-- 2. AuditLog: partitioned by month on "timestamp", append-only, tenant-isolated.
-- The seed's columns and index names are kept; the primary key must include the partition key.
-- The foreign keys of the unpartitioned table are not carried over: audit rows are kept ten years
-- and must outlive (and never block) the read models they mention (Company, ComplianceRecord are
-- projections that can be rebuilt or removed); platform-level rows belong to no company
-- ('__platform__'); and ComplianceRecord's ON DELETE SET NULL would be an UPDATE of audit rows.
CREATE SCHEMA IF NOT EXISTS "audit";
REVOKE ALL ON SCHEMA "audit" FROM PUBLIC;

ALTER TABLE "AuditLog" RENAME TO "AuditLog_unpartitioned";
ALTER TABLE "AuditLog_unpartitioned" DROP CONSTRAINT "AuditLog_pkey";
ALTER TABLE "AuditLog_unpartitioned" DROP CONSTRAINT IF EXISTS "AuditLog_companyId_fkey";
ALTER TABLE "AuditLog_unpartitioned" DROP CONSTRAINT IF EXISTS "AuditLog_complianceRecordId_fkey";
DROP INDEX "AuditLog_entityType_entityId_idx";
DROP INDEX "AuditLog_userId_idx";
DROP INDEX "AuditLog_companyId_idx";
DROP INDEX "AuditLog_timestamp_idx";
DROP INDEX "idx_audit_entity_timestamp";

CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "changes" JSONB,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "complianceRecordId" TEXT,
    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id", "timestamp")
) PARTITION BY RANGE ("timestamp");
CREATE INDEX "AuditLog_entityType_entityId_idx" ON "AuditLog"("entityType", "entityId");
CREATE INDEX "AuditLog_userId_idx" ON "AuditLog"("userId");
CREATE INDEX "AuditLog_companyId_idx" ON "AuditLog"("companyId");
CREATE INDEX "AuditLog_timestamp_idx" ON "AuditLog"("timestamp");
CREATE INDEX "idx_audit_entity_timestamp" ON "AuditLog"("entityType", "entityId", "timestamp");

-- Rows outside every monthly partition land here rather than being refused.
CREATE TABLE "audit"."AuditLog_default" PARTITION OF "AuditLog" DEFAULT;

INSERT INTO "AuditLog" SELECT "id", "action", "entityType", "entityId", "userId", "companyId", "changes", "ipAddress", "userAgent", "timestamp", "complianceRecordId" FROM "AuditLog_unpartitioned";
DROP TABLE "AuditLog_unpartitioned";

-- Append-only for everyone on the normal path (trigger) and by privilege for the application.
CREATE FUNCTION "audit_reject_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION "audit_reject_change"();
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "AuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_reject_change"();

REVOKE ALL ON "AuditLog" FROM maple_app;
GRANT SELECT, INSERT ON "AuditLog" TO maple_app;

ALTER TABLE "AuditLog" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "AuditLog" FORCE ROW LEVEL SECURITY;
CREATE POLICY "audit_log_tenant_isolation" ON "AuditLog"
  USING (current_setting('app.all_companies', true) = 'on' OR "companyId" = current_setting('app.company_id', true))
  WITH CHECK (current_setting('app.all_companies', true) = 'on' OR "companyId" = current_setting('app.company_id', true));

-- Creates the monthly partitions from last month to `months_ahead` months ahead (the worker
-- calls it). A month whose rows already sit in the default partition is skipped, not forced:
-- moving them would need a DELETE the audit log forbids, and they are safe where they are.
CREATE FUNCTION "audit_ensure_partitions"(months_ahead INTEGER)
RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  m TIMESTAMP;
  name TEXT;
BEGIN
  FOR i IN -1..greatest(months_ahead, 0) LOOP
    m := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i);
    name := 'AuditLog_p' || to_char(m, 'YYYYMM');
    CONTINUE WHEN to_regclass(format('%I.%I', 'audit', name)) IS NOT NULL;
    IF EXISTS (SELECT 1 FROM "audit"."AuditLog_default" WHERE "timestamp" >= m AND "timestamp" < m + interval '1 month') THEN
      RAISE NOTICE 'audit: % has rows in the default partition; not created', name;
      CONTINUE;
    END IF;
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF "AuditLog" FOR VALUES FROM (%L) TO (%L)', 'audit', name, m, m + interval '1 month');
    RETURN NEXT 'audit.' || name;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION "audit_ensure_partitions"(INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "audit_ensure_partitions"(INTEGER) TO maple_app;

-- The partitions with their bounds (NULL bounds = the default partition).
CREATE FUNCTION "audit_partitions"()
RETURNS TABLE ("name" TEXT, "from_ts" TIMESTAMP, "to_ts" TIMESTAMP) LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT n.nspname || '.' || c.relname,
         substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']+)''\)')::timestamp,
         substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamp
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE i.inhparent = '"AuditLog"'::regclass
   ORDER BY 2 NULLS LAST
$$;
REVOKE ALL ON FUNCTION "audit_partitions"() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "audit_partitions"() TO maple_app;

-- Retention (compliance rule: audit rows are kept 10 years). Drops one partition only if every
-- row it can hold is older than 10 years, i.e. its upper bound is at or before now - 10 years.
-- The default partition and anything younger are refused with AUDIT.RETENTION_REFUSED.
CREATE FUNCTION "audit_drop_partition"(p_name TEXT, p_dry_run BOOLEAN DEFAULT false)
RETURNS TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  part RECORD;
  cutoff TIMESTAMP := (now() AT TIME ZONE 'UTC') - interval '10 years';
BEGIN
  SELECT * INTO part FROM "audit_partitions"() p WHERE p."name" = p_name OR p."name" = 'audit.' || p_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'AUDIT.RETENTION_REFUSED: % is not a partition of AuditLog', p_name USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF part."to_ts" IS NULL OR part."to_ts" > cutoff THEN
    RAISE EXCEPTION 'AUDIT.RETENTION_REFUSED: % holds rows younger than 10 years (upper bound %, cutoff %)', part."name", coalesce(part."to_ts"::text, 'none: default partition'), cutoff
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT p_dry_run THEN
    EXECUTE format('DROP TABLE %s', (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname || '.' || c.relname = part."name"));
  END IF;
  RETURN part."name";
END
$$;
REVOKE ALL ON FUNCTION "audit_drop_partition"(TEXT, BOOLEAN) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "audit_drop_partition"(TEXT, BOOLEAN) TO maple_app;

SELECT "audit_ensure_partitions"(3);

-- ---------------------------------------------------------------------------------------------
-- 3. The audit projection's memory: each entity's last flat state, to diff the next event with.
CREATE TABLE "audit_entity_state" (
  "stream_id"  TEXT PRIMARY KEY,
  "company_id" TEXT,
  "version"    INTEGER NOT NULL,
  "state"      JSONB   NOT NULL
);
REVOKE ALL ON "audit_entity_state" FROM maple_app;
GRANT SELECT, INSERT, UPDATE ON "audit_entity_state" TO maple_app;
ALTER TABLE "audit_entity_state" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_entity_state" FORCE ROW LEVEL SECURITY;
CREATE POLICY "audit_entity_state_tenant_isolation" ON "audit_entity_state"
  USING (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true))
  WITH CHECK (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true));

-- ---------------------------------------------------------------------------------------------
-- 4. Signed checkpoints: (company chain, position, head hash) signed with Ed25519. Append-only.
CREATE TABLE "audit_checkpoints" (
  "id"         BIGSERIAL   PRIMARY KEY,
  "company_id" TEXT        NOT NULL,
  "position"   BIGINT      NOT NULL,
  "head_hash"  BYTEA       NOT NULL,
  "signature"  BYTEA       NOT NULL,
  "key_id"     TEXT        NOT NULL,
  "signed_at"  TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX "audit_checkpoints_company_position_idx" ON "audit_checkpoints" ("company_id", "position");
CREATE TRIGGER "audit_checkpoints_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION "audit_reject_change"();
CREATE TRIGGER "audit_checkpoints_no_truncate" BEFORE TRUNCATE ON "audit_checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_reject_change"();
REVOKE ALL ON "audit_checkpoints" FROM maple_app;
GRANT SELECT, INSERT ON "audit_checkpoints" TO maple_app;
GRANT USAGE, SELECT ON SEQUENCE "audit_checkpoints_id_seq" TO maple_app;
ALTER TABLE "audit_checkpoints" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_checkpoints" FORCE ROW LEVEL SECURITY;
CREATE POLICY "audit_checkpoints_tenant_isolation" ON "audit_checkpoints"
  USING (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true))
  WITH CHECK (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true));
