-- Hand-written: the append-only event store, the source of truth every table is projected from.
-- Listed in prisma/external-tables.json so Prisma's diff leaves these tables alone.

CREATE TABLE "events" (
  "position"       BIGSERIAL    PRIMARY KEY,
  -- The writing transaction: catch-up readers only read below the oldest transaction still
  -- running (pg_snapshot_xmin), so an event that commits late with a lower position is never skipped.
  "transaction_id" XID8         NOT NULL DEFAULT pg_current_xact_id(),
  "event_id"       UUID         NOT NULL,
  "stream_id"      TEXT         NOT NULL,
  "stream_type"    TEXT         NOT NULL,
  "version"        INTEGER      NOT NULL CHECK ("version" > 0),
  "type"           TEXT         NOT NULL,
  "schema_version" INTEGER      NOT NULL DEFAULT 1,
  "data"           JSONB        NOT NULL,
  "metadata"       JSONB        NOT NULL,
  "company_id"     TEXT,
  "recorded_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT "events_stream_version_key" UNIQUE ("stream_id", "version"),
  CONSTRAINT "events_event_id_key" UNIQUE ("event_id")
);
CREATE INDEX "events_transaction_position_idx" ON "events" ("transaction_id", "position");
CREATE INDEX "events_company_recorded_idx" ON "events" ("company_id", "recorded_at");
CREATE INDEX "events_type_idx" ON "events" ("type");

-- Append-only, enforced by the database: no UPDATE, DELETE or TRUNCATE for anyone going
-- through the normal path (the trigger), and no privilege for the application role.
CREATE FUNCTION "events_reject_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the event store is append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "events_no_update_delete" BEFORE UPDATE OR DELETE ON "events"
  FOR EACH ROW EXECUTE FUNCTION "events_reject_change"();
CREATE TRIGGER "events_no_truncate" BEFORE TRUNCATE ON "events"
  FOR EACH STATEMENT EXECUTE FUNCTION "events_reject_change"();

REVOKE ALL ON "events" FROM maple_app;
GRANT SELECT, INSERT ON "events" TO maple_app;
GRANT USAGE, SELECT ON SEQUENCE "events_position_seq" TO maple_app;

-- Tenant isolation: a transaction sees the events of its company only, unless it runs as
-- an explicitly all-companies system process (projection daemon, platform administration).
ALTER TABLE "events" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "events" FORCE ROW LEVEL SECURITY;
CREATE POLICY "events_tenant_isolation" ON "events"
  USING (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true))
  WITH CHECK (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true));

-- Where each asynchronous projection has got to, as (transaction id, position).
CREATE TABLE "projection_checkpoints" (
  "name"           TEXT        PRIMARY KEY,
  "transaction_id" XID8        NOT NULL DEFAULT '0',
  "position"       BIGINT      NOT NULL DEFAULT 0,
  "status"         TEXT        NOT NULL DEFAULT 'running',
  "error"          TEXT,
  "updated_at"     TIMESTAMPTZ NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON "projection_checkpoints" TO maple_app;
