-- Hand-written: idempotency records, one per (caller, Idempotency-Key).
--
-- Until now a client's Idempotency-Key became the command id, and event ids derived from it made
-- a retried append "idempotent". That answered a retried create with 409 and silently kept the
-- first change when the same key came with another body. Event ids are random now; this table
-- is the replacement (libs/platform/src/idempotency):
--   * a row per (user_id, key), with the SHA-256 of the request (method, route, parameters,
--     query, body in canonical form) and, once done, the response (status, content type, bytes);
--   * attempt + locked_until: the request holding the key and its lease;
--   * executed: set by idempotency_fence in the very transaction of a command run under the key,
--     so "a command committed under this key" is known exactly, even after a crash;
--   * expires_at: IDEMPOTENCY_TTL after creation; the job idempotency.expire-records deletes it.
-- Not event-sourced: records are bookkeeping of the HTTP edge, not business history (the
-- command itself is in the event store and the audit trail as usual).
CREATE TABLE "idempotency_records" (
  "user_id"         TEXT        NOT NULL,
  "key"             TEXT        NOT NULL,
  "company_id"      TEXT,
  "request_hash"    TEXT        NOT NULL,
  "route"           TEXT        NOT NULL,
  "attempt"         UUID        NOT NULL,
  "locked_until"    TIMESTAMPTZ,
  "executed"        BOOLEAN     NOT NULL DEFAULT false,
  "response_status" INTEGER,
  "response_type"   TEXT,
  "response_body"   BYTEA,
  "created_at"      TIMESTAMPTZ NOT NULL DEFAULT now(),
  "completed_at"    TIMESTAMPTZ,
  "expires_at"      TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("user_id", "key")
);
CREATE INDEX "idempotency_records_expires_idx" ON "idempotency_records" ("expires_at");

-- Tenant isolation as for every company table. A platform administrator's rows have no company:
-- only maple_system reaches them.
REVOKE ALL ON "idempotency_records" FROM maple_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "idempotency_records" TO maple_app;
ALTER TABLE "idempotency_records" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "idempotency_records" FORCE ROW LEVEL SECURITY;
CREATE POLICY "idempotency_records_tenant_isolation" ON "idempotency_records"
  USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"));

-- The fence, called from a command's own transaction: marks the key carried out if, and only if,
-- the calling request still holds it (its attempt id). SECURITY DEFINER because a command may run
-- in another scope than its caller's record (a platform administrator acting in a company). It
-- touches one row named by the caller's user id, key and random attempt id, and only sets the flag.
CREATE FUNCTION "idempotency_fence"(p_user TEXT, p_key TEXT, p_attempt UUID) RETURNS BOOLEAN
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH held AS (
    UPDATE public."idempotency_records" SET "executed" = true
     WHERE "user_id" = p_user AND "key" = p_key AND "attempt" = p_attempt
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM held)
$$;
REVOKE ALL ON FUNCTION "idempotency_fence"(TEXT, TEXT, UUID) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "idempotency_fence"(TEXT, TEXT, UUID) TO maple_app;
