-- AlterTable
ALTER TABLE "AIModel" ADD COLUMN     "approvals" JSONB,
ADD COLUMN     "artifactDigest" TEXT,
ADD COLUMN     "createdBy" TEXT,
ADD COLUMN     "lineage" JSONB,
ADD COLUMN     "modelCard" JSONB,
ADD COLUMN     "modelId" TEXT,
ADD COLUMN     "riskTier" TEXT,
ADD COLUMN     "validation" JSONB;

-- CreateIndex
CREATE INDEX "AIModel_modelId_idx" ON "AIModel"("modelId");

-- Hand-written: the AI context's other tables (libs/ai). The seed's AIModel holds one row per
-- model version; the model itself (its deployment, aliases, stop and drift flags) is ai_models.
-- Global models have no company (company_id NULL): every company may read their rows, only
-- the platform (app.all_companies) writes them. A company's use of a global model is its
-- acceptance row; the queries show a global model only through that row.

CREATE TABLE "ai_models" (
  "model_id"            TEXT        NOT NULL,
  "company_id"          TEXT,
  "name"                TEXT        NOT NULL,
  "type"                TEXT        NOT NULL,
  "deployed_version_id" TEXT,
  "aliases"             JSONB       NOT NULL DEFAULT '{}'::jsonb,
  "stopped"             JSONB,
  "drift"               JSONB,
  "created_by"          TEXT        NOT NULL,
  "created_at"          TIMESTAMPTZ NOT NULL,
  "updated_at"          TIMESTAMPTZ NOT NULL,
  CONSTRAINT "ai_models_pkey" PRIMARY KEY ("model_id")
);
CREATE UNIQUE INDEX "ai_models_company_name_key" ON "ai_models" (coalesce("company_id", ''), "name");

-- Every move of an alias (champion, challenger), oldest first.
CREATE TABLE "ai_alias_history" (
  "company_id"          TEXT,
  "model_id"            TEXT        NOT NULL,
  "alias"               TEXT        NOT NULL,
  "version_id"          TEXT,
  "previous_version_id" TEXT,
  "moved_by"            TEXT        NOT NULL,
  "moved_at"            TIMESTAMPTZ NOT NULL,
  "position"            BIGINT      NOT NULL,
  CONSTRAINT "ai_alias_history_pkey" PRIMARY KEY ("model_id", "position")
);

-- A company's acceptance of a global model's version: predictions on it run only after it.
CREATE TABLE "ai_acceptances" (
  "company_id"  TEXT        NOT NULL,
  "model_id"    TEXT        NOT NULL,
  "version_id"  TEXT        NOT NULL,
  "accepted_by" TEXT        NOT NULL,
  "accepted_at" TIMESTAMPTZ NOT NULL,
  CONSTRAINT "ai_acceptances_pkey" PRIMARY KEY ("company_id", "model_id", "version_id")
);

-- Human reviews of predictions (accepted, or overridden with a reason and the new outcome).
CREATE TABLE "ai_prediction_reviews" (
  "company_id"    TEXT        NOT NULL,
  "prediction_id" TEXT        NOT NULL,
  "review_id"     TEXT        NOT NULL,
  "verdict"       TEXT        NOT NULL,
  "reason"        TEXT,
  "new_output"    JSONB,
  "reviewed_by"   TEXT        NOT NULL,
  "reviewed_at"   TIMESTAMPTZ NOT NULL,
  CONSTRAINT "ai_prediction_reviews_pkey" PRIMARY KEY ("company_id", "prediction_id", "review_id")
);

-- The seals of prediction batches, as their chain events recorded them (a projection).
CREATE TABLE "ai_prediction_seals" (
  "company_id"       TEXT        NOT NULL,
  "batch_id"         TEXT        NOT NULL,
  "seal_id"          TEXT        NOT NULL,
  "root"             TEXT        NOT NULL,
  "count"            INTEGER     NOT NULL,
  "position"         BIGINT      NOT NULL,
  "sealed_at"        TIMESTAMPTZ NOT NULL,
  CONSTRAINT "ai_prediction_seals_pkey" PRIMARY KEY ("company_id", "batch_id")
);

-- Telemetry, not projections: predictions and their batches are written directly, append-only
-- (the application may only SELECT and INSERT; a trigger refuses UPDATE and DELETE to everyone
-- but the retention function), and each batch's Merkle root enters the company's hash chain
-- through an AiPredictionsSealed event, so a changed or removed row is found at its position.
CREATE TABLE "ai_prediction_batches" (
  "company_id"  TEXT        NOT NULL,
  "batch_id"    TEXT        NOT NULL,
  "model_id"    TEXT        NOT NULL,
  "count"       INTEGER     NOT NULL,
  "root"        TEXT        NOT NULL,
  -- The leaf hashes in order (32 bytes each): they locate a tampered row when the root no longer matches.
  "leaves"      BYTEA       NOT NULL,
  "recorded_at" TIMESTAMPTZ NOT NULL,
  CONSTRAINT "ai_prediction_batches_pkey" PRIMARY KEY ("company_id", "batch_id")
);
CREATE INDEX "ai_prediction_batches_recorded_idx" ON "ai_prediction_batches" ("company_id", "recorded_at");

CREATE SCHEMA IF NOT EXISTS "ai";
CREATE TABLE "ai_predictions" (
  "company_id"    TEXT             NOT NULL,
  "prediction_id" TEXT             NOT NULL,
  "batch_id"      TEXT             NOT NULL,
  "batch_index"   INTEGER          NOT NULL,
  "model_id"      TEXT             NOT NULL,
  "version_id"    TEXT             NOT NULL,
  "input_hash"    TEXT             NOT NULL,
  "input"         JSONB,
  "output"        JSONB            NOT NULL,
  "explanation"   JSONB            NOT NULL,
  "caller"        TEXT             NOT NULL,
  "purpose"       TEXT             NOT NULL,
  "latency_ms"    DOUBLE PRECISION NOT NULL,
  "recorded_at"   TIMESTAMPTZ      NOT NULL,
  CONSTRAINT "ai_predictions_pkey" PRIMARY KEY ("company_id", "prediction_id", "recorded_at")
) PARTITION BY RANGE ("recorded_at");
CREATE INDEX "ai_predictions_batch_idx" ON "ai_predictions" ("company_id", "batch_id", "batch_index");
CREATE INDEX "ai_predictions_prediction_idx" ON "ai_predictions" ("prediction_id");
CREATE INDEX "ai_predictions_version_idx" ON "ai_predictions" ("company_id", "version_id", "recorded_at");
-- Rows outside every monthly partition land here rather than being refused.
CREATE TABLE "ai"."ai_predictions_default" PARTITION OF "ai_predictions" DEFAULT;

CREATE FUNCTION "ai_reject_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('ai.retention', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the prediction log is append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "ai_predictions_append_only" BEFORE UPDATE OR DELETE ON "ai_predictions"
  FOR EACH ROW EXECUTE FUNCTION "ai_reject_change"();
CREATE TRIGGER "ai_prediction_batches_append_only" BEFORE UPDATE OR DELETE ON "ai_prediction_batches"
  FOR EACH ROW EXECUTE FUNCTION "ai_reject_change"();

-- Monthly partitions from last month to `months_ahead` ahead (the worker calls it).
CREATE FUNCTION "ai_ensure_prediction_partitions"(months_ahead INTEGER)
RETURNS SETOF TEXT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  m TIMESTAMPTZ;
  name TEXT;
BEGIN
  FOR i IN -1..greatest(months_ahead, 0) LOOP
    m := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + make_interval(months => i);
    name := 'ai_predictions_p' || to_char(m AT TIME ZONE 'UTC', 'YYYYMM');
    CONTINUE WHEN to_regclass(format('%I.%I', 'ai', name)) IS NOT NULL;
    IF EXISTS (SELECT 1 FROM "ai"."ai_predictions_default" WHERE "recorded_at" >= m AND "recorded_at" < m + interval '1 month') THEN
      RAISE NOTICE 'ai: % has rows in the default partition; not created', name;
      CONTINUE;
    END IF;
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF "ai_predictions" FOR VALUES FROM (%L) TO (%L)', 'ai', name, m, m + interval '1 month');
    RETURN NEXT 'ai.' || name;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION "ai_ensure_prediction_partitions"(INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "ai_ensure_prediction_partitions"(INTEGER) TO maple_app, maple_system;

-- Retention (EU AI Act Art. 19: at least six months). Deletes predictions and batches recorded
-- before the start of the month `keep_months` months back; refuses fewer than 6 months.
CREATE FUNCTION "ai_purge_predictions"(keep_months INTEGER)
RETURNS BIGINT LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  cutoff TIMESTAMPTZ;
  n BIGINT;
BEGIN
  IF keep_months IS NULL OR keep_months < 6 THEN
    RAISE EXCEPTION 'AI.RETENTION_REFUSED: predictions are kept at least 6 months' USING ERRCODE = 'insufficient_privilege';
  END IF;
  cutoff := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(months => keep_months);
  PERFORM set_config('ai.retention', 'on', true);
  DELETE FROM "ai_predictions" WHERE "recorded_at" < cutoff;
  GET DIAGNOSTICS n = ROW_COUNT;
  DELETE FROM "ai_prediction_batches" WHERE "recorded_at" < cutoff;
  PERFORM set_config('ai.retention', 'off', true);
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION "ai_purge_predictions"(INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "ai_purge_predictions"(INTEGER) TO maple_system;

SELECT "ai_ensure_prediction_partitions"(3);

-- Row-level security. Global rows (company_id NULL) of the registry are readable by all,
-- written only with app.all_companies; company rows follow the one tenant predicate.
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['ai_models', 'ai_alias_history'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING ("company_id" IS NULL OR app_can_access("company_id"))', t || '_read', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR ALL USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_write', t);
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO maple_app', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['ai_acceptances', 'ai_prediction_reviews', 'ai_prediction_seals'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_tenant_isolation', t);
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO maple_app', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['ai_predictions', 'ai_prediction_batches'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_tenant_isolation', t);
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
    EXECUTE format('GRANT SELECT, INSERT ON %I TO maple_app', t);
  END LOOP;
END
$$;
