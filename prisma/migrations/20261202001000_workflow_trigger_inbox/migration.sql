-- Workflow triggers that must not be lost: the async projection `workflow.trigger-inbox` records
-- every triggering event here in the same transaction that moves its checkpoint, and a row is
-- marked done only once the event's triggers have run. The trigger job (queued right after the
-- source's commit) is the fast path; `workflow.reconcile` queues again what is still here after
-- a minute, so a crash between the source's commit and the job's queueing loses nothing.
CREATE TABLE "workflow_trigger_inbox" (
  "company_id"  TEXT        NOT NULL,
  "event_id"    UUID        NOT NULL,
  "recorded_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Set when the event's triggers have run (by the job, whichever of the two writes first).
  "done_at"     TIMESTAMPTZ,
  CONSTRAINT "workflow_trigger_inbox_pkey" PRIMARY KEY ("company_id", "event_id")
);
CREATE INDEX "workflow_trigger_inbox_pending_idx" ON "workflow_trigger_inbox" ("recorded_at") WHERE "done_at" IS NULL;
-- workflow.reconcile forgets done rows after 7 days, every minute: by index, not by a scan.
CREATE INDEX "workflow_trigger_inbox_done_idx" ON "workflow_trigger_inbox" ("done_at") WHERE "done_at" IS NOT NULL;
ALTER TABLE "workflow_trigger_inbox" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "workflow_trigger_inbox" FORCE ROW LEVEL SECURITY;
CREATE POLICY "workflow_trigger_inbox_tenant_isolation" ON "workflow_trigger_inbox" USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"));
REVOKE ALL ON "workflow_trigger_inbox" FROM maple_app, maple_system;
GRANT SELECT, INSERT, UPDATE, DELETE ON "workflow_trigger_inbox" TO maple_app;
