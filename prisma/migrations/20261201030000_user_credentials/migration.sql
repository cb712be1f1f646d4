-- Hand-written: credentials out of the event store, sign-in attempts off the User aggregate,
-- and no session without a recorded sign-in.
--
-- Until now UserRegistered and PasswordChanged carried the argon2 hash, so the audit routes and
-- the export showed it and the store kept it forever; every sign-in attempt was an event on the
-- user's own stream, so an unauthenticated flood grew the stream that every user command folds.
-- Now:
--   * the hash lives in user_credentials (not event-sourced, like refresh_tokens), written in
--     the same transaction as the event that says it changed (PasswordChanged {userId});
--   * the same row holds where the user's sign-ins stand (failures in a row, lock), read and
--     written under its row lock (SELECT ... FOR UPDATE), so concurrent attempts are counted
--     one after the other; the attempts themselves are events on the stream signin-<userId>;
--   * User.password (a column of the seed's design) stays, but the User table is a projection
--     that must be rebuildable from events, which no longer carry the hash: the column is
--     nullable and must stay NULL (a CHECK says so);
--   * a refresh token that starts a session can only be inserted by the transaction that
--     recorded the UserSignedIn event it names, for an active user of an active company.

-- 1. Credentials. No foreign key to "User": that table is a projection a rebuild swaps.
CREATE TABLE "user_credentials" (
  "user_id"         TEXT        PRIMARY KEY,
  "company_id"      TEXT,
  "password_hash"   TEXT        NOT NULL,
  "password_set_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "failed_attempts" INTEGER     NOT NULL DEFAULT 0 CHECK ("failed_attempts" >= 0),
  "locked_until"    TIMESTAMPTZ
);
REVOKE ALL ON "user_credentials" FROM maple_app;
GRANT SELECT, INSERT, UPDATE ON "user_credentials" TO maple_app;
ALTER TABLE "user_credentials" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "user_credentials" FORCE ROW LEVEL SECURITY;
CREATE POLICY "user_credentials_tenant_isolation" ON "user_credentials"
  USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"));

-- 2. The hashes move out of the User table, which keeps the seed's column, empty.
ALTER TABLE "User" ALTER COLUMN "password" DROP NOT NULL;
INSERT INTO "user_credentials" ("user_id", "company_id", "password_hash", "password_set_at")
  SELECT u."id", u."companyId", u."password", u."updatedAt" FROM "User" u WHERE u."password" IS NOT NULL
  ON CONFLICT ("user_id") DO NOTHING;
UPDATE "User" SET "password" = NULL WHERE "password" IS NOT NULL;
ALTER TABLE "User" ADD CONSTRAINT "User_password_not_stored" CHECK ("password" IS NULL);

-- 3. Where each user's sign-ins stood on their user stream: a locked account stays locked, and
--    failures in a row keep counting. The last sign-in event of the stream gives the count (a
--    SignInFailed carries it; anything else means none); the last lockout holds unless a
--    sign-in or a password change came after it.
WITH sign_in AS (
  SELECT e."stream_id", e."version", e."type", e."data" FROM "events" e
   WHERE e."stream_type" = 'User' AND e."type" IN ('UserSignedIn', 'SignInFailed', 'UserLockedOut', 'PasswordChanged')
), last_event AS (
  SELECT DISTINCT ON (s."stream_id") s."stream_id", s."type", s."data" FROM sign_in s ORDER BY s."stream_id", s."version" DESC
), last_lock AS (
  SELECT DISTINCT ON (s."stream_id") s."stream_id", s."version", (s."data"->>'until')::timestamptz AS until
    FROM sign_in s WHERE s."type" = 'UserLockedOut' ORDER BY s."stream_id", s."version" DESC
)
UPDATE "user_credentials" c SET
  "failed_attempts" = CASE WHEN l."type" = 'SignInFailed' THEN greatest(coalesce((l."data"->>'failedAttempts')::int, 0), 0) ELSE 0 END,
  "locked_until" = (
    SELECT k.until FROM last_lock k
     WHERE k."stream_id" = l."stream_id" AND k.until > now()
       AND NOT EXISTS (SELECT 1 FROM sign_in x WHERE x."stream_id" = k."stream_id" AND x."version" > k."version" AND x."type" IN ('UserSignedIn', 'PasswordChanged')))
  FROM last_event l
 WHERE l."stream_id" = 'user-' || c."user_id";

-- 4. The audit projection's running state of each entity is internal, not evidence: the hashes
--    that version-1 events put there go. (AuditLog rows are append-only evidence: the audit
--    context filters their `changes` on read instead.)
UPDATE "audit_entity_state" SET "state" = "state" - 'passwordHash' WHERE "state" ? 'passwordHash';

-- 5. A session starts only with a sign-in recorded in the same transaction, for an active user
--    of an active company. The first token of a family names the UserSignedIn event (one event,
--    one family); a rotation adds a token to a family that exists. The check is immediate, not
--    deferred to the commit: the embedded database's driver (pglite-prisma-adapter 0.7.2) does
--    not report an error raised at COMMIT. The owner (migrations, maintenance) is not held to
--    this: it could drop the trigger anyway.
--    The status check runs after the sign-in's append, that is under the company's chain lock: a
--    deactivation that committed while the attempt was being decided is seen here, and refused
--    as a serialization failure, which the command runner answers by deciding again.
ALTER TABLE "refresh_tokens" ADD COLUMN "sign_in_event_id" UUID;
CREATE UNIQUE INDEX "refresh_tokens_sign_in_event_key" ON "refresh_tokens" ("sign_in_event_id") WHERE "sign_in_event_id" IS NOT NULL;

CREATE FUNCTION "refresh_tokens_need_a_sign_in"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
  IF pg_has_role(current_user, (SELECT t.tableowner FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename = 'refresh_tokens'), 'USAGE') THEN
    RETURN NEW;
  END IF;
  IF NEW."sign_in_event_id" IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM public."refresh_tokens" t WHERE t."family_id" = NEW."family_id" AND t."user_id" = NEW."user_id") THEN
      RAISE EXCEPTION 'refresh_tokens: a new session needs the sign-in recorded in the same transaction'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public."events" e
                  WHERE e."event_id" = NEW."sign_in_event_id" AND e."type" = 'UserSignedIn'
                    AND e."stream_id" = 'signin-' || NEW."user_id" AND e."transaction_id" = pg_current_xact_id())
     OR EXISTS (SELECT 1 FROM public."refresh_tokens" t WHERE t."family_id" = NEW."family_id") THEN
    RAISE EXCEPTION 'refresh_tokens: the session does not start from a sign-in recorded in this transaction'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public."User" u LEFT JOIN public."Company" c ON c."id" = u."companyId"
                  WHERE u."id" = NEW."user_id" AND u."isActive" AND (u."companyId" IS NULL OR c."isActive")) THEN
    RAISE EXCEPTION 'refresh_tokens: the account or its company was deactivated while signing in'
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "refresh_tokens_need_a_sign_in" BEFORE INSERT ON "refresh_tokens" FOR EACH ROW EXECUTE FUNCTION "refresh_tokens_need_a_sign_in"();
