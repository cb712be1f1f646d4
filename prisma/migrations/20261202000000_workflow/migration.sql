-- Hand-written: the workflow context's read tables (libs/workflow). "Workflow" (seed) holds each
-- definition's latest version; these hold every version, the instances and the task inbox.
-- All have company rows: RLS ENABLE + FORCE with the one tenant predicate, maple_app only.

-- Every published version: running instances stay on theirs.
CREATE TABLE "workflow_definition_versions" (
  "company_id"    TEXT        NOT NULL,
  "definition_id" TEXT        NOT NULL,
  "version"       INTEGER     NOT NULL,
  "definition"    JSONB       NOT NULL,
  "published_by"  TEXT        NOT NULL,
  "published_at"  TIMESTAMPTZ NOT NULL,
  CONSTRAINT "workflow_definition_versions_pkey" PRIMARY KEY ("company_id", "definition_id", "version")
);

CREATE TABLE "workflow_instances" (
  "company_id"    TEXT        NOT NULL,
  "instance_id"   TEXT        NOT NULL,
  "definition_id" TEXT        NOT NULL,
  "version"       INTEGER     NOT NULL,
  "status"        TEXT        NOT NULL,
  "outcome"       TEXT,
  "current_step"  TEXT,
  "initiated_by"  TEXT        NOT NULL,
  "trigger"       JSONB,
  "data_version"  INTEGER     NOT NULL,
  "failure"       JSONB,
  -- When a timer step fires or a pending action was queued: what the reconcile job looks at.
  "wake_at"       TIMESTAMPTZ,
  "started_at"    TIMESTAMPTZ NOT NULL,
  "updated_at"    TIMESTAMPTZ NOT NULL,
  CONSTRAINT "workflow_instances_pkey" PRIMARY KEY ("company_id", "instance_id")
);
CREATE INDEX "workflow_instances_definition_idx" ON "workflow_instances" ("company_id", "definition_id", "started_at");
CREATE INDEX "workflow_instances_wake_idx" ON "workflow_instances" ("wake_at") WHERE "status" = 'running' AND "wake_at" IS NOT NULL;

-- The inbox: one row per human step visit.
CREATE TABLE "workflow_tasks" (
  "company_id"     TEXT        NOT NULL,
  "task_id"        TEXT        NOT NULL,
  "instance_id"    TEXT        NOT NULL,
  "definition_id"  TEXT        NOT NULL,
  "step_id"        TEXT        NOT NULL,
  "kind"           TEXT        NOT NULL,
  "status"         TEXT        NOT NULL,
  "outcome"        TEXT,
  "assignee_role"  TEXT,
  "assignee_user"  TEXT,
  "eligible_users" JSONB,
  "claimed_by"     TEXT,
  "delegated_from" JSONB,
  "decisions"      JSONB       NOT NULL DEFAULT '[]'::jsonb,
  "due_at"         TIMESTAMPTZ,
  "escalated"      BOOLEAN     NOT NULL DEFAULT false,
  "created_at"     TIMESTAMPTZ NOT NULL,
  "updated_at"     TIMESTAMPTZ NOT NULL,
  CONSTRAINT "workflow_tasks_pkey" PRIMARY KEY ("company_id", "task_id")
);
CREATE INDEX "workflow_tasks_open_idx" ON "workflow_tasks" ("company_id", "status", "due_at");
CREATE INDEX "workflow_tasks_instance_idx" ON "workflow_tasks" ("company_id", "instance_id");

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['workflow_definition_versions', 'workflow_instances', 'workflow_tasks'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_tenant_isolation', t);
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO maple_app', t);
  END LOOP;
END
$$;
