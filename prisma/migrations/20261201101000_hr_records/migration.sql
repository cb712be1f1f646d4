-- AlterTable
ALTER TABLE "HRRecord" ADD COLUMN     "state" JSONB,
ADD COLUMN     "subjectId" TEXT,
ADD COLUMN     "userId" TEXT;

-- CreateIndex
CREATE INDEX "HRRecord_companyId_subjectId_idx" ON "HRRecord"("companyId", "subjectId");

-- CreateIndex
CREATE INDEX "HRRecord_companyId_userId_idx" ON "HRRecord"("companyId", "userId");

-- Hand-written: the HR context's other read tables (libs/hr). All have company rows: RLS
-- ENABLE + FORCE with the one tenant predicate, privileges for maple_app only. None holds a
-- personal value in clear: employee changes keep the sealed value as the event stored it.

-- Position, department, manager and salary changes from their effective date; a read as of a
-- date takes the latest change per field that is in effect by then.
CREATE TABLE "hr_employee_changes" (
  "company_id"     TEXT   NOT NULL,
  "record_id"      TEXT   NOT NULL,
  "change_id"      TEXT   NOT NULL,
  "field"          TEXT   NOT NULL,
  "value"          JSONB  NOT NULL,
  "effective_date" DATE   NOT NULL,
  "position"       BIGINT NOT NULL,
  CONSTRAINT "hr_employee_changes_pkey" PRIMARY KEY ("company_id", "record_id", "change_id", "field")
);
CREATE INDEX "hr_employee_changes_effective_idx" ON "hr_employee_changes" ("company_id", "record_id", "field", "effective_date", "position");

-- A person as a data subject: an open erasure request, the erasure, legal holds.
CREATE TABLE "hr_subjects" (
  "company_id"     TEXT        NOT NULL,
  "subject_id"     TEXT        NOT NULL,
  "open_request"   JSONB,
  "erased_at"      TIMESTAMPTZ,
  "erasure_reason" TEXT,
  "holds"          JSONB       NOT NULL DEFAULT '[]'::jsonb,
  "updated_at"     TIMESTAMPTZ NOT NULL,
  CONSTRAINT "hr_subjects_pkey" PRIMARY KEY ("company_id", "subject_id")
);

-- A company's own retention periods (ENTERPRISE); absent: the defaults.
CREATE TABLE "hr_retention_policies" (
  "company_id"      TEXT        NOT NULL,
  "candidate_years" INTEGER     NOT NULL,
  "employee_years"  INTEGER     NOT NULL,
  "set_by"          TEXT        NOT NULL,
  "set_at"          TIMESTAMPTZ NOT NULL,
  CONSTRAINT "hr_retention_policies_pkey" PRIMARY KEY ("company_id")
);

-- Purges the retention job proposed, waiting for (or approved by) an HR manager.
CREATE TABLE "hr_retention_proposals" (
  "company_id"  TEXT        NOT NULL,
  "proposal_id" TEXT        NOT NULL,
  "status"      TEXT        NOT NULL,
  "policy"      JSONB       NOT NULL,
  "subjects"    JSONB       NOT NULL,
  "proposed_at" TIMESTAMPTZ NOT NULL,
  "approved_by" TEXT,
  "approved_at" TIMESTAMPTZ,
  CONSTRAINT "hr_retention_proposals_pkey" PRIMARY KEY ("company_id", "proposal_id")
);

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['hr_employee_changes', 'hr_subjects', 'hr_retention_policies', 'hr_retention_proposals'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"))', t || '_tenant_isolation', t);
    EXECUTE format('REVOKE ALL ON %I FROM maple_app, maple_system', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO maple_app', t);
  END LOOP;
END
$$;
