-- Hand-written: identity. Row-level security on the seed's tenant tables is in
-- 20261125025000_tenant_rls; the refresh-token table below follows the same rule
-- (app_can_access). Sign-in and refresh run on the explicit all-companies path, since they
-- happen before a company is known from a verified token.

-- 1. E-mail addresses are unique whatever their case (the handler checks first for a clear
--    error; this index settles races).
CREATE UNIQUE INDEX "User_email_lower_key" ON "User" (lower("email"));

-- 2. Refresh tokens: only a SHA-256 of each token is stored. Tokens rotate on every use; all
--    tokens descending from one sign-in share a family, and presenting a rotated (revoked)
--    token again revokes the whole family (theft detection).
CREATE TABLE "refresh_tokens" (
  "id"             UUID        PRIMARY KEY,
  "token_hash"     TEXT        NOT NULL UNIQUE,
  "family_id"      UUID        NOT NULL,
  "user_id"        TEXT        NOT NULL,
  "company_id"     TEXT,
  "created_at"     TIMESTAMPTZ NOT NULL DEFAULT now(),
  "expires_at"     TIMESTAMPTZ NOT NULL,
  "revoked_at"     TIMESTAMPTZ,
  "revoked_reason" TEXT,
  "replaced_by"    UUID
);
CREATE INDEX "refresh_tokens_family_idx" ON "refresh_tokens" ("family_id");
CREATE INDEX "refresh_tokens_user_idx" ON "refresh_tokens" ("user_id");
REVOKE ALL ON "refresh_tokens" FROM maple_app;
GRANT SELECT, INSERT, UPDATE ON "refresh_tokens" TO maple_app;
ALTER TABLE "refresh_tokens" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "refresh_tokens" FORCE ROW LEVEL SECURITY;
CREATE POLICY "refresh_tokens_tenant_isolation" ON "refresh_tokens"
  USING (app_can_access("company_id")) WITH CHECK (app_can_access("company_id"));
