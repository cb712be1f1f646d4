-- Hand-written: tenant isolation that no setting can switch off.
--
-- Until now a policy let a transaction see every company when it set the GUC app.all_companies,
-- and any role may set any custom GUC: one injected set_config() switched row-level security
-- off. Cross-company work (platform administrators, jobs, projections) now runs as its own
-- database role, maple_system, which a transaction can only become with SET ROLE, that is when
-- its login is a member of the role. No GUC widens what maple_app sees: it sees the company in
-- app.company_id (set by the application from the verified token) and nothing else.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'maple_system') THEN
    CREATE ROLE maple_system NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

-- maple_system has every privilege of maple_app (tables added later included) and, through the
-- policies below, every company's rows. It owns nothing and has no BYPASSRLS either.
GRANT maple_app TO maple_system;
GRANT USAGE ON SCHEMA public TO maple_system;

-- The one tenant predicate. current_user is the role the transaction runs as (SET LOCAL ROLE);
-- the owner that ran this migration keeps its access, since it could disable RLS anyway.
-- A plain SQL function: the planner inlines it into each policy, so indexes on the company
-- column are still used.
DO $do$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION "app_can_access"(p_company TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $body$
      SELECT current_user IN ('maple_system', %L)
          OR (p_company IS NOT NULL AND p_company = nullif(current_setting('app.company_id', true), ''))
    $body$ $f$, current_user);
END
$do$;
GRANT EXECUTE ON FUNCTION "app_can_access"(TEXT) TO maple_app, maple_system;

-- Every policy written in the old style
--   current_setting('app.all_companies', true) = 'on' OR "<column>" = current_setting('app.company_id', true)
-- is recreated as app_can_access("<column>"). A function, so a later migration that still
-- writes the old style can call it again; it refuses a policy it cannot read rather than
-- leave it open.
CREATE OR REPLACE FUNCTION "maple_convert_tenant_policies"() RETURNS SETOF TEXT LANGUAGE plpgsql AS $$
DECLARE
  p RECORD;
  col TEXT;
BEGIN
  FOR p IN SELECT schemaname, tablename, policyname, cmd, qual, with_check FROM pg_policies
            WHERE coalesce(qual, '') || coalesce(with_check, '') LIKE '%app.all_companies%' LOOP
    col := substring(coalesce(p.qual, p.with_check) FROM '"?([A-Za-z_][A-Za-z0-9_]*)"? = current_setting\(''app\.company_id''');
    IF col IS NULL THEN
      RAISE EXCEPTION 'cannot convert the policy % on %.%: %', p.policyname, p.schemaname, p.tablename, coalesce(p.qual, p.with_check);
    END IF;
    EXECUTE format('DROP POLICY %I ON %I.%I', p.policyname, p.schemaname, p.tablename);
    IF p.cmd IN ('SELECT', 'DELETE') THEN
      EXECUTE format('CREATE POLICY %I ON %I.%I FOR %s USING (app_can_access(%I))', p.policyname, p.schemaname, p.tablename, p.cmd, col);
    ELSIF p.cmd = 'INSERT' THEN
      EXECUTE format('CREATE POLICY %I ON %I.%I FOR INSERT WITH CHECK (app_can_access(%I))', p.policyname, p.schemaname, p.tablename, col);
    ELSE
      EXECUTE format('CREATE POLICY %I ON %I.%I FOR %s USING (app_can_access(%I)) WITH CHECK (app_can_access(%I))', p.policyname, p.schemaname, p.tablename, p.cmd, col, col);
    END IF;
    RETURN NEXT p.schemaname || '.' || p.tablename || ': ' || p.policyname;
  END LOOP;
END
$$;
SELECT count(*) FROM "maple_convert_tenant_policies"();
