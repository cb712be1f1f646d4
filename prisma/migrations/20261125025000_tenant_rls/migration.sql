-- Hand-written: row-level security on every table with a company column. The application
-- role sees a company's rows only when its transaction set app.company_id to that company
-- (from the verified token, see Database.transaction), or when a system process or platform
-- administrator explicitly asked for all companies (app.all_companies = 'on'). FORCE makes
-- the policies bind the table owner too, unless it is a superuser.

CREATE FUNCTION "app_can_access"(p_company TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('app.all_companies', true), '') = 'on'
      OR (p_company IS NOT NULL AND p_company = nullif(current_setting('app.company_id', true), ''))
$$;
GRANT EXECUTE ON FUNCTION "app_can_access"(TEXT) TO maple_app;

DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['User', 'Subscription', 'ComplianceRecord', 'AnalyticsEvent', 'HRRecord', 'Workflow'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY %I ON %I USING (app_can_access("companyId")) WITH CHECK (app_can_access("companyId"))', t || '_tenant_isolation', t);
  END LOOP;
END
$$;

-- A company sees its own row.
ALTER TABLE "Company" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Company" FORCE ROW LEVEL SECURITY;
CREATE POLICY "Company_tenant_isolation" ON "Company" USING (app_can_access("id")) WITH CHECK (app_can_access("id"));

-- Global AI models (no company) are readable by every company; only their owner company or
-- the platform writes them.
ALTER TABLE "AIModel" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "AIModel" FORCE ROW LEVEL SECURITY;
CREATE POLICY "AIModel_read" ON "AIModel" FOR SELECT USING ("companyId" IS NULL OR app_can_access("companyId"));
CREATE POLICY "AIModel_write" ON "AIModel" FOR ALL USING (app_can_access("companyId")) WITH CHECK (app_can_access("companyId"));

-- Partitions are reached through their parent, whose policies apply; direct access would
-- bypass them, so the application role has none.
DO $$
DECLARE
  p TEXT;
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE parent.relname = 'ComplianceRecord' AND n.nspname = 'public' LOOP
    EXECUTE format('REVOKE ALL ON %I FROM maple_app', p);
  END LOOP;
END
$$;
