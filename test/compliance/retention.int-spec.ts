import { CommandRunner, EventStore, ProjectionRegistry, commandMeta } from '@maple/platform';
import { AuditActions, auditLogProjection } from '@maple/audit';
import { ComplianceRecords, ComplianceRetention, complianceRecordProjection, rulesRiskModel } from '@maple/compliance';
import type { Screener } from '@maple/compliance';
import { describeEachDatabase } from '../support/databases';

const noScreening: Screener = {
  screen: async () => {
    throw new Error('AML records are not screened');
  },
};

const aml = { type: 'AML', data: { counterparty: 'Initech Ltd', amount: '900.00', currency: 'EUR', country: 'FR', channel: 'wire' } };
const yearsFromNow = (years: number) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

// Records are kept 7 years from their last change. Instead of back-dating events (they are
// append-only), the runs below happen at a later "now": 6 years on is too early, 8 is not.
describeEachDatabase('compliance retention', (ctx) => {
  let records: ComplianceRecords;
  let retention: ComplianceRetention;
  const co = 'co-retention';
  const as = (actorId: string, at?: Date) => commandMeta({ actorId, companyId: co, ip: '10.2.2.2', userAgent: 'jest' }, at);
  const operator = (at: Date) => commandMeta({ actorId: 'cli:operator', companyId: null }, at);
  const rowOf = async (id: string) => ctx().superuser(`SELECT id, status FROM "ComplianceRecord" WHERE id = $1`, [id]);

  beforeAll(async () => {
    await ctx().superuser(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ($1, $1, now()) ON CONFLICT DO NOTHING`, [co]);
    const registry = new ProjectionRegistry();
    registry.registerInline(complianceRecordProjection);
    registry.registerInline(auditLogProjection(new AuditActions()));
    const store = new EventStore();
    const runner = new CommandRunner(ctx().db, store, registry);
    records = new ComplianceRecords(runner, noScreening, rulesRiskModel, { highRiskThreshold: 70, screeningThreshold: 0.9 }, ctx().db);
    retention = new ComplianceRetention(runner, ctx().db, store);
  });

  it('refuses to purge a record younger than 7 years or still open, writing nothing but the audited run', async () => {
    const decided = await records.create(co, aml, as('alice'));
    await records.approve(decided.recordId, co, 'documents complete', 'COMPLIANCE_OFFICER', as('bob'));
    const open = await records.create(co, aml, as('alice'));
    const eventsBefore = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'compliance-record-%'`);

    const early = await retention.run({ dryRun: false, recordIds: [decided.recordId, open.recordId], meta: operator(yearsFromNow(6)) });
    expect(early.purged).toEqual([]);
    expect(early.refused).toEqual([
      { recordId: decided.recordId, reason: expect.stringContaining('COMPLIANCE.RETENTION_NOT_EXPIRED') },
      { recordId: open.recordId, reason: expect.stringContaining('only decided records are purged') },
    ]);
    expect(await rowOf(decided.recordId)).toHaveLength(1);
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'compliance-record-%'`)).toEqual(eventsBefore);
    const [run] = await ctx().superuser(`SELECT action, "userId", changes FROM "AuditLog" WHERE "entityType" = 'ComplianceRetention' AND "entityId" = $1`, [
      `compliance-retention-${early.runId}`,
    ]);
    expect(run).toMatchObject({ action: 'CREATE', userId: 'cli:operator', changes: { after: { dryRun: false, purged: [], refused: early.refused } } });
  });

  it('a dry run names what would go and changes nothing; the real run purges the row, keeps the history and audits both', async () => {
    const [{ id }] = (await ctx().superuser(`SELECT id FROM "ComplianceRecord" WHERE status = 'approved' AND "companyId" = $1`, [co])) as { id: string }[];
    const later = yearsFromNow(8);
    const dry = await retention.run({ dryRun: true, meta: operator(later) });
    expect(dry.purged.map((p) => p.recordId)).toEqual([id]);
    expect(await rowOf(id)).toHaveLength(1);

    const real = await retention.run({ dryRun: false, meta: operator(later) });
    expect(real.purged.map((p) => p.recordId)).toEqual([id]);
    expect(await rowOf(id)).toEqual([]);
    // The events stay: an auditor still replays the record, up to its purge, which also erases
    // the record's personal data (its key: test/compliance/kyc-erasure.e2e-spec.ts).
    const history = await ctx().superuser(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [`compliance-record-${id}`]);
    expect(history.map((e) => e.type)).toEqual(['ComplianceRecordCreated', 'ComplianceRecordApproved', 'ComplianceRecordPurged', 'DataSubjectErased']);
    const [purge] = await ctx().superuser(`SELECT action, "userId" FROM "AuditLog" WHERE "entityId" = $1 ORDER BY timestamp DESC LIMIT 1`, [`compliance-record-${id}`]);
    expect(purge).toEqual({ action: 'DELETE', userId: 'cli:operator' });
    const runs = await ctx().superuser(`SELECT count(*)::int AS n FROM "AuditLog" WHERE "entityType" = 'ComplianceRetention'`);
    expect(runs).toEqual([{ n: 3 }]);

    // Nothing is left to purge; a purged record cannot be changed any more.
    expect((await retention.run({ dryRun: false, meta: operator(later) })).purged).toEqual([]);
    await expect(records.reject(id, co, 'too late', 'COMPLIANCE_OFFICER', as('bob'))).rejects.toMatchObject({ code: 'COMPLIANCE.RECORD_NOT_FOUND' });
  });
});
