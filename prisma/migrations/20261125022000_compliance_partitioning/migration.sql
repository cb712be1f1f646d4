-- Hand-written: ComplianceRecord partitioned by company (the seed's "Partitioning": isolation
-- per company). HASH on "companyId" spreads tenants over 8 partitions; a company-scoped query
-- touches one. The primary key must contain the partition key, hence ("id", "companyId").
-- Prisma keeps working on the parent table; it is listed in prisma/external-tables.json so the
-- schema diff does not try to turn it back into a plain table.
-- The table is a projection (rebuildable from events), so it is recreated rather than copied;
-- rows of an existing deployment come back with `npm run cli -- projections rebuild`.

ALTER TABLE "AuditLog" DROP CONSTRAINT IF EXISTS "AuditLog_complianceRecordId_fkey";
DROP TABLE "ComplianceRecord";

CREATE TABLE "ComplianceRecord" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "riskScore" INTEGER,
    "data" JSONB NOT NULL,
    "metadata" JSONB,
    "companyId" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "reviewedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ComplianceRecord_pkey" PRIMARY KEY ("id", "companyId"),
    CONSTRAINT "ComplianceRecord_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ComplianceRecord_riskScore_range" CHECK ("riskScore" IS NULL OR "riskScore" BETWEEN 1 AND 100)
) PARTITION BY HASH ("companyId");

CREATE TABLE "ComplianceRecord_p0" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 0);
CREATE TABLE "ComplianceRecord_p1" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 1);
CREATE TABLE "ComplianceRecord_p2" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 2);
CREATE TABLE "ComplianceRecord_p3" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 3);
CREATE TABLE "ComplianceRecord_p4" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 4);
CREATE TABLE "ComplianceRecord_p5" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 5);
CREATE TABLE "ComplianceRecord_p6" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 6);
CREATE TABLE "ComplianceRecord_p7" PARTITION OF "ComplianceRecord" FOR VALUES WITH (MODULUS 8, REMAINDER 7);

CREATE INDEX "ComplianceRecord_companyId_idx" ON "ComplianceRecord"("companyId");
CREATE INDEX "ComplianceRecord_type_idx" ON "ComplianceRecord"("type");
CREATE INDEX "ComplianceRecord_status_idx" ON "ComplianceRecord"("status");
CREATE INDEX "ComplianceRecord_createdAt_idx" ON "ComplianceRecord"("createdAt");
CREATE INDEX "idx_compliance_company_status_date" ON "ComplianceRecord"("companyId", "status", "createdAt");

GRANT SELECT, INSERT, UPDATE, DELETE ON "ComplianceRecord" TO maple_app;

-- Sanctions list snapshots (platform-wide reference data, no company column). An import
-- writes a whole snapshot and switches `active` in one transaction, so a failed import
-- leaves the previous snapshot in force.
CREATE TABLE "sanctions_snapshots" (
    "version"      TEXT PRIMARY KEY,
    "source"       TEXT NOT NULL,
    "imported_at"  TIMESTAMPTZ NOT NULL DEFAULT now(),
    "imported_by"  TEXT,
    "entries"      INTEGER NOT NULL,
    "aliases"      INTEGER NOT NULL,
    "addresses"    INTEGER NOT NULL,
    "active"       BOOLEAN NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX "sanctions_snapshots_one_active" ON "sanctions_snapshots" ("source") WHERE "active";
CREATE TABLE "sanctions_entries" (
    "version"     TEXT NOT NULL REFERENCES "sanctions_snapshots"("version") ON DELETE CASCADE,
    "uid"         TEXT NOT NULL,
    "name"        TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "programs"    TEXT[] NOT NULL,
    "entry"       JSONB NOT NULL,
    PRIMARY KEY ("version", "uid")
);
GRANT SELECT, INSERT ON "sanctions_snapshots", "sanctions_entries" TO maple_app;
GRANT UPDATE ("active") ON "sanctions_snapshots" TO maple_app;
