import { PGlite } from '@electric-sql/pglite';
import { diffMigrationsToSchema, isEmptyDiff, pgliteMigrationAdapter } from '@maple/platform';
import { describeEachDatabase, migrationPaths } from '../support/databases';

// The seed design (../shared/seed), table by table: every column, the enums and every index.
const SEED_COLUMNS: Record<string, string[]> = {
  User: ['id', 'email', 'name', 'password', 'role', 'isActive', 'lastLoginAt', 'companyId', 'subscriptionId', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'],
  Company: ['id', 'name', 'industry', 'size', 'region', 'complianceLevel', 'isActive', 'createdAt', 'updatedAt'],
  Subscription: ['id', 'tier', 'status', 'startDate', 'endDate', 'billingCycle', 'price', 'features', 'companyId', 'createdAt', 'updatedAt'],
  ComplianceRecord: ['id', 'type', 'status', 'riskScore', 'data', 'metadata', 'companyId', 'createdBy', 'reviewedBy', 'createdAt', 'updatedAt'],
  AuditLog: ['id', 'action', 'entityType', 'entityId', 'userId', 'companyId', 'changes', 'ipAddress', 'userAgent', 'timestamp'],
  AIModel: ['id', 'name', 'version', 'type', 'status', 'performance', 'configuration', 'companyId', 'createdAt', 'updatedAt'],
  AnalyticsEvent: ['id', 'eventType', 'eventData', 'userId', 'companyId', 'timestamp'],
  HRRecord: ['id', 'type', 'status', 'data', 'aiInsights', 'companyId', 'createdBy', 'createdAt', 'updatedAt'],
  Workflow: ['id', 'name', 'description', 'type', 'steps', 'isActive', 'companyId', 'createdAt', 'updatedAt'],
};

// Indexed column lists per table (single-column @@index, @unique, and the composite ones of
// the seed's "Indexing Strategy").
const SEED_INDEXES: Record<string, string[][]> = {
  User: [['email'], ['companyId'], ['subscriptionId']],
  Company: [['name'], ['industry'], ['region']],
  Subscription: [['companyId'], ['tier'], ['status']],
  ComplianceRecord: [['companyId'], ['type'], ['status'], ['createdAt'], ['companyId', 'status', 'createdAt']],
  AuditLog: [['entityType', 'entityId'], ['userId'], ['companyId'], ['timestamp'], ['entityType', 'entityId', 'timestamp']],
  AIModel: [['type'], ['status'], ['companyId']],
  // Insert-heavy and partitioned by day (libs/analytics): the composite index and a BRIN index
  // on timestamp replace the seed's four single-column btrees.
  AnalyticsEvent: [['timestamp'], ['companyId', 'eventType', 'timestamp']],
  HRRecord: [['type'], ['status'], ['companyId']],
  Workflow: [['type'], ['companyId']],
};

describeEachDatabase('seed schema after migration', (ctx) => {
  it('has every seed table with every seed column', async () => {
    const rows = await ctx().superuser(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const have = new Map<string, Set<string>>();
    for (const r of rows) {
      const t = String(r.table_name);
      if (!have.has(t)) have.set(t, new Set());
      have.get(t)!.add(String(r.column_name));
    }
    for (const [table, columns] of Object.entries(SEED_COLUMNS)) {
      expect({ table, missing: columns.filter((c) => !have.get(table)?.has(c)) }).toEqual({ table, missing: [] });
    }
  });

  it('has the seed enums with their values', async () => {
    const rows = await ctx().superuser(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const enums = Object.fromEntries(rows.map((r) => [r.typname, r.labels]));
    expect(enums.UserRole).toEqual(['ADMIN', 'USER', 'COMPLIANCE_OFFICER', 'HR_MANAGER', 'ANALYST', 'VIEWER']);
    expect(enums.SubscriptionTier).toEqual(['TRIAL', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE']);
  });

  it('has every seed index, including the three composite ones', async () => {
    const rows = await ctx().superuser(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
    for (const [table, indexes] of Object.entries(SEED_INDEXES)) {
      // pg_indexes quotes only identifiers that need it ("companyId" but email).
      const defs = rows.filter((r) => r.tablename === table).map((r) => String(r.indexdef).replace(/"/g, ''));
      for (const cols of indexes) {
        const wanted = `(${cols.join(', ')})`;
        expect({ table, cols, found: defs.some((d) => d.endsWith(wanted)) }).toEqual({ table, cols, found: true });
      }
    }
    const names = rows.map((r) => r.indexname);
    expect(names).toEqual(expect.arrayContaining(['idx_compliance_company_status_date', 'idx_audit_entity_timestamp', 'idx_analytics_company_event_timestamp']));
  });

  it('keeps defaults and relations of the seed', async () => {
    const defaults = await ctx().superuser(
      `SELECT table_name, column_name, column_default FROM information_schema.columns
        WHERE table_schema='public' AND column_default IS NOT NULL`,
    );
    const d = (t: string, c: string) => defaults.find((r) => r.table_name === t && r.column_name === c)?.column_default;
    expect(d('User', 'role')).toMatch(/'USER'/);
    expect(d('User', 'isActive')).toBe('true');
    expect(d('Company', 'isActive')).toBe('true');
    expect(d('AuditLog', 'timestamp')).toMatch(/CURRENT_TIMESTAMP/);
    const fks = await ctx().superuser(
      `SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name
        WHERE tc.constraint_type = 'FOREIGN KEY'`,
    );
    const fk = fks.map((r) => `${r.table_name}.${r.column_name}`);
    // AuditLog keeps no foreign keys on purpose: audit rows outlive the read models they name
    // (see the audit migration).
    expect(fk).toEqual(expect.arrayContaining(['User.companyId', 'User.subscriptionId', 'Subscription.companyId', 'ComplianceRecord.companyId', 'AIModel.companyId', 'AnalyticsEvent.companyId', 'HRRecord.companyId', 'Workflow.companyId']));
  });

  it('records migrations in _prisma_migrations as prisma migrate deploy does', async () => {
    const rows = await ctx().superuser(`SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(r.finished_at).not.toBeNull();
      expect(String(r.checksum)).toMatch(/^[0-9a-f]{64}$/);
    }
    const check = await ctx().db.migrationCheck();
    expect(check).toEqual({ pending: [], failed: [], edited: [] });
  });
});

describe('schema drift', () => {
  it('prisma/schema.prisma and prisma/migrations agree', async () => {
    // The engine replays the migrations into an in-memory shadow database and diffs it with the schema.
    const sql = await diffMigrationsToSchema(pgliteMigrationAdapter(new PGlite()), migrationPaths);
    expect(isEmptyDiff(sql) ? '' : sql).toBe('');
  });
});
