-- Hand-written: the keys of personal-data encryption (libs/platform/src/privacy), and the
-- tombstones of erasure. None of it is derived from events: these tables are not projections,
-- and no rebuild may empty them.
--
--   privacy_data_keys    one AES-256 data key per (company, data subject, version), stored
--                        wrapped by a key-encryption key (KEK) from configuration
--   privacy_erasures     one row per erased subject: permanent (no UPDATE, DELETE or TRUNCATE),
--                        and while it exists no key can be created for the subject again
--   privacy_index_keys   one HMAC key per company for blind indexes (exact lookups)
--   privacy_blind_index  keyed digests of lookup fields (e-mail, national id), per subject
--
-- Every table has company rows: RLS ENABLE + FORCE with the one tenant predicate.

CREATE TABLE "privacy_data_keys" (
  "company_id"   TEXT        NOT NULL,
  "subject_id"   TEXT        NOT NULL,
  "version"      INTEGER     NOT NULL DEFAULT 1,
  "wrapped_key"  BYTEA       NOT NULL,
  "kek_id"       TEXT        NOT NULL,
  "created_at"   TIMESTAMPTZ NOT NULL DEFAULT now(),
  "rewrapped_at" TIMESTAMPTZ,
  CONSTRAINT "privacy_data_keys_pkey" PRIMARY KEY ("company_id", "subject_id", "version")
);
CREATE INDEX "privacy_data_keys_kek_idx" ON "privacy_data_keys" ("kek_id");

CREATE TABLE "privacy_erasures" (
  "company_id" TEXT        NOT NULL,
  "subject_id" TEXT        NOT NULL,
  "erased_at"  TIMESTAMPTZ NOT NULL DEFAULT now(),
  "event_id"   UUID,
  "reason"     TEXT        NOT NULL,
  CONSTRAINT "privacy_erasures_pkey" PRIMARY KEY ("company_id", "subject_id")
);

CREATE TABLE "privacy_index_keys" (
  "company_id"   TEXT        NOT NULL,
  "wrapped_key"  BYTEA       NOT NULL,
  "kek_id"       TEXT        NOT NULL,
  "created_at"   TIMESTAMPTZ NOT NULL DEFAULT now(),
  "rewrapped_at" TIMESTAMPTZ,
  CONSTRAINT "privacy_index_keys_pkey" PRIMARY KEY ("company_id")
);

CREATE TABLE "privacy_blind_index" (
  "company_id" TEXT  NOT NULL,
  "field"      TEXT  NOT NULL,
  "digest"     BYTEA NOT NULL,
  "subject_id" TEXT  NOT NULL,
  CONSTRAINT "privacy_blind_index_pkey" PRIMARY KEY ("company_id", "field", "digest", "subject_id")
);
CREATE INDEX "privacy_blind_index_subject_idx" ON "privacy_blind_index" ("company_id", "subject_id");

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['privacy_data_keys', 'privacy_erasures', 'privacy_index_keys', 'privacy_blind_index'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_tenant_isolation', t);
    -- Default privileges gave maple_app everything; each table gets exactly what the code needs.
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
  END LOOP;
END
$$;
-- Keys: created, rewrapped (wrapping only) and destroyed by erasure; never moved to another subject.
GRANT SELECT, INSERT, DELETE ON "privacy_data_keys" TO maple_app;
GRANT UPDATE ("wrapped_key", "kek_id", "rewrapped_at") ON "privacy_data_keys" TO maple_app;
GRANT SELECT, INSERT ON "privacy_erasures" TO maple_app;
GRANT SELECT, INSERT ON "privacy_index_keys" TO maple_app;
GRANT UPDATE ("wrapped_key", "kek_id", "rewrapped_at") ON "privacy_index_keys" TO maple_app;
GRANT SELECT, INSERT, DELETE ON "privacy_blind_index" TO maple_app;

-- Tombstones are permanent, for every role that runs these triggers (the owner included).
CREATE FUNCTION "privacy_erasures_permanent"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'privacy_erasures: an erasure tombstone is permanent' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "privacy_erasures_permanent" BEFORE UPDATE OR DELETE ON "privacy_erasures" FOR EACH ROW EXECUTE FUNCTION "privacy_erasures_permanent"();
CREATE TRIGGER "privacy_erasures_no_truncate" BEFORE TRUNCATE ON "privacy_erasures" FOR EACH STATEMENT EXECUTE FUNCTION "privacy_erasures_permanent"();

-- No key for an erased subject, ever again: SQLSTATE MP001. A key is only ever destroyed by an
-- erasure, so deleting one (or a blind-index entry) needs the subject's tombstone first. The
-- check runs as the caller: its transaction sees the company's tombstones (RLS), and a
-- cross-company role sees all of them. Blind-index entries are written in the same statement as
-- their subject's key, so the key's check covers them.
CREATE FUNCTION "privacy_keys_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM public."privacy_erasures" e WHERE e."company_id" = OLD."company_id" AND e."subject_id" = OLD."subject_id") THEN
      RAISE EXCEPTION '%: a data key is destroyed only by erasing its subject', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW."company_id", NEW."subject_id") IS DISTINCT FROM (OLD."company_id", OLD."subject_id") THEN
    RAISE EXCEPTION '%: a key belongs to its subject for good', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF EXISTS (SELECT 1 FROM public."privacy_erasures" e WHERE e."company_id" = NEW."company_id" AND e."subject_id" = NEW."subject_id") THEN
    RAISE EXCEPTION 'data subject % was erased: no personal data can be stored for them again', NEW."subject_id" USING ERRCODE = 'MP001';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "privacy_data_keys_guard" BEFORE INSERT OR UPDATE OR DELETE ON "privacy_data_keys" FOR EACH ROW EXECUTE FUNCTION "privacy_keys_guard"();
CREATE TRIGGER "privacy_blind_index_guard" BEFORE DELETE ON "privacy_blind_index" FOR EACH ROW EXECUTE FUNCTION "privacy_keys_guard"();
