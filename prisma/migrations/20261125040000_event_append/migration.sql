-- Hand-written: an append is one statement. The chain reservation, the expected-version check,
-- the hashes and the insert used to be three statements and four round trips per append; on a
-- small machine the round trips, not the work, bounded the event store's throughput.

-- The head of each company's chain ('__platform__' for events without a company): one primary-key
-- read per append. Reading the newest event of the company instead left the plan to the planner,
-- and under row-level security it estimated one row and sorted all of the company's events, so
-- every append got slower as the company's history grew. This table is only a pointer: the
-- chain itself is the events' prev_hash/hash, which verification recomputes.
CREATE TABLE "event_chains" (
  "company_id" TEXT   PRIMARY KEY,
  "position"   BIGINT NOT NULL,
  "hash"       BYTEA
);
INSERT INTO "event_chains" ("company_id", "position", "hash")
  SELECT DISTINCT ON (coalesce("company_id", '__platform__')) coalesce("company_id", '__platform__'), "position", "hash"
    FROM "events" ORDER BY coalesce("company_id", '__platform__'), "position" DESC;
GRANT SELECT, INSERT, UPDATE ON "event_chains" TO maple_app;
ALTER TABLE "event_chains" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "event_chains" FORCE ROW LEVEL SECURITY;
CREATE POLICY "event_chains_tenant_isolation" ON "event_chains"
  USING (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true))
  WITH CHECK (current_setting('app.all_companies', true) = 'on' OR "company_id" = current_setting('app.company_id', true));

-- Appends events to one stream, chained per company, all or nothing for the caller:
--   * serialises on the company's advisory lock (the chain is per company, nothing is global) and
--     reads the chain's head from event_chains;
--   * refuses (returns no row) when the stream's version is not p_expected (NULL = any);
--   * hands out positions and time AFTER the lock, so a company's chain order is its position order;
--   * hash = SHA-256(prev_hash || UTF-8(canonical record)). The application sends each event's
--     canonical record in two pieces around the fields only this function knows (position,
--     recordedAt, version); see libs/platform/src/event-store/event-store.ts, `chainPieces`,
--     which the offline verifier's `eventHash` must agree with byte for byte;
--   * returns each stored event's position, version, id, transaction id and time, so the caller
--     has the stored events without reading them back;
--   * stops at the first event that hits a unique constraint (a retry or a racing writer) and
--     returns what it inserted so far: the caller rolls back a partial batch.
-- p_events: [{ eventId, type, schemaVersion, data, metadata, head, tail }] in stream order.
-- SECURITY INVOKER: row-level security and the caller's privileges apply to every statement.
CREATE FUNCTION "events_append"(p_stream_id TEXT, p_stream_type TEXT, p_company TEXT, p_expected INTEGER, p_events JSONB)
RETURNS TABLE ("position" TEXT, "version" INTEGER, "event_id" TEXT, "transaction_id" TEXT, "recorded_at" TEXT)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  chain_key TEXT := coalesce(p_company, '__platform__');
  head_hash BYTEA;
  last_position BIGINT;
  current_version INTEGER;
  t TEXT;
  e RECORD;
  pos BIGINT;
  v INTEGER;
  h BYTEA;
BEGIN
  PERFORM pg_advisory_xact_lock(20261125, hashtext(chain_key));
  -- A VOLATILE function takes a fresh snapshot per statement: what the previous lock holder
  -- committed is visible from here on.
  IF p_expected IS NULL THEN
    SELECT coalesce(max(x."version"), 0) INTO current_version FROM "events" x WHERE x."stream_id" = p_stream_id;
  ELSE
    -- The stream must have reached p_expected (one exact lookup in the unique index, whatever the
    -- stream's length); that it has not gone past it is the unique (stream, version) constraint's
    -- job below: inserting version p_expected + 1 then conflicts and nothing is written.
    IF p_expected > 0 AND NOT EXISTS (SELECT 1 FROM "events" x WHERE x."stream_id" = p_stream_id AND x."version" = p_expected) THEN
      RETURN;
    END IF;
    current_version := p_expected;
  END IF;
  SELECT c."hash" INTO head_hash FROM "event_chains" c WHERE c."company_id" = chain_key;
  -- Cut to milliseconds: recorded_at is timestamptz(3) and the hash covers it.
  t := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  FOR e IN SELECT a.value AS ev, a.ordinality::INTEGER AS n FROM jsonb_array_elements(p_events) WITH ORDINALITY a LOOP
    pos := nextval('events_position_seq');
    v := current_version + e.n;
    h := sha256(coalesce(head_hash, ''::BYTEA) || convert_to(
      (e.ev->>'head') || '"position":"' || pos::TEXT || '","recordedAt":"' || t || '",' || (e.ev->>'tail') || v::TEXT || '}', 'UTF8'));
    INSERT INTO "events" ("position", "event_id", "stream_id", "stream_type", "version", "type", "schema_version",
                          "data", "metadata", "company_id", "recorded_at", "prev_hash", "hash")
    VALUES (pos, (e.ev->>'eventId')::UUID, p_stream_id, p_stream_type, v, e.ev->>'type', (e.ev->>'schemaVersion')::INTEGER,
            e.ev->'data', e.ev->'metadata', p_company, t::TIMESTAMPTZ, head_hash, h)
    ON CONFLICT DO NOTHING;
    EXIT WHEN NOT FOUND;
    head_hash := h;
    last_position := pos;
    "position" := pos::TEXT;
    "version" := v;
    "event_id" := e.ev->>'eventId';
    "transaction_id" := pg_current_xact_id()::TEXT;
    "recorded_at" := t;
    RETURN NEXT;
  END LOOP;
  IF last_position IS NOT NULL THEN
    INSERT INTO "event_chains" ("company_id", "position", "hash") VALUES (chain_key, last_position, head_hash)
      ON CONFLICT ON CONSTRAINT "event_chains_pkey" DO UPDATE SET "position" = EXCLUDED."position", "hash" = EXCLUDED."hash";
  END IF;
END
$$;
REVOKE ALL ON FUNCTION "events_append"(TEXT, TEXT, TEXT, INTEGER, JSONB) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "events_append"(TEXT, TEXT, TEXT, INTEGER, JSONB) TO maple_app;

-- Replaced by events_append.
DROP FUNCTION "events_chain_reserve"(TEXT, INTEGER);

-- Nothing reads events by type alone (projections read by transaction and position, auditors by
-- company, stream or time), and every append paid for this index.
DROP INDEX "events_type_idx";
