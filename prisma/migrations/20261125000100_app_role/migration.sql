-- Hand-written. The application runs as `maple_app` (SET LOCAL ROLE in every transaction):
-- it owns no table and has no BYPASSRLS, so row-level security and the append-only guards
-- apply to it. Migrations run as the owner. Roles are cluster-wide, so creation tolerates
-- another database (or a parallel migration) having created it first.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'maple_app') THEN
    CREATE ROLE maple_app NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO maple_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO maple_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO maple_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO maple_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO maple_app;

-- The migration history is read-only for the application (readiness reads it). The table
-- is absent from the engine's shadow database, hence the guard.
DO $$
BEGIN
  IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM maple_app;
  END IF;
END
$$;
