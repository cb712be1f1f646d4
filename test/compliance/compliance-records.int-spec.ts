import { CommandRunner, EventStore, ProjectionRegistry, commandMeta } from '@maple/platform';
import { ComplianceRecords, complianceRecordProjection, listRecords, rulesRiskModel, LIST_RECORDS_SQL, listRecordsParams } from '@maple/compliance';
import type { Screener } from '@maple/compliance';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

const noScreening: Screener = {
  screen: async () => {
    throw new Error('AML and KYC records are not screened');
  },
};

async function company(t: TestDatabase, id: string): Promise<string> {
  await t.superuser(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ($1, $1, now()) ON CONFLICT DO NOTHING`, [id]);
  return id;
}

const aml = (amount: string, country = 'DE', channel = 'wire') => ({ type: 'AML', data: { counterparty: 'Globex GmbH', amount, currency: 'EUR', country, channel } });

describeEachDatabase('compliance records', (ctx) => {
  let records: ComplianceRecords;
  const as = (actorId: string, companyId: string) => commandMeta({ actorId, companyId, ip: '10.1.1.1', userAgent: 'jest' });

  beforeAll(() => {
    const registry = new ProjectionRegistry();
    registry.registerInline(complianceRecordProjection);
    records = new ComplianceRecords(new CommandRunner(ctx().db, new EventStore(), registry), noScreening, rulesRiskModel, { highRiskThreshold: 70, screeningThreshold: 0.9 }, ctx().db);
  });

  it('runs the lifecycle and refuses self-review, a single approval of a high-risk record, and approving a rejected one', async () => {
    const co = await company(ctx(), 'co-compliance-1');
    const low = await records.create(co, aml('500.00'), as('alice', co));
    expect(low.state).toMatchObject({ status: 'pending', riskScore: 5 });
    await expect(records.approve(low.recordId, co, 'looks fine', 'COMPLIANCE_OFFICER', as('alice', co))).rejects.toMatchObject({ code: 'COMPLIANCE.SELF_REVIEW' });
    await records.approve(low.recordId, co, 'looks fine', 'COMPLIANCE_OFFICER', as('bob', co));
    const [row] = await ctx().superuser(`SELECT status, "reviewedBy", "riskScore" FROM "ComplianceRecord" WHERE id = $1`, [low.recordId]);
    expect(row).toEqual({ status: 'approved', reviewedBy: 'bob', riskScore: 5 });

    const high = await records.create(co, aml('2500000.00', 'IR', 'cash'), as('alice', co));
    expect(high.state.riskScore).toBeGreaterThanOrEqual(70);
    const first = await records.approve(high.recordId, co, 'source of funds verified', 'COMPLIANCE_OFFICER', as('bob', co));
    expect(first.state.status).toBe('pending');
    await expect(records.approve(high.recordId, co, 'again', 'COMPLIANCE_OFFICER', as('bob', co))).rejects.toMatchObject({ code: 'COMPLIANCE.SECOND_APPROVAL_REQUIRED_BY_OTHER_OFFICER' });
    const second = await records.approve(high.recordId, co, 'agreed', 'COMPLIANCE_OFFICER', as('carol', co));
    expect(second.state.status).toBe('approved');
    const [h] = await ctx().superuser(`SELECT status, metadata->'approvals' AS approvals, metadata->'risk'->>'model' AS model FROM "ComplianceRecord" WHERE id = $1`, [high.recordId]);
    expect(h).toEqual({ status: 'approved', approvals: ['bob', 'carol'], model: 'rules-1' });

    const bad = await records.create(co, aml('100.00'), as('alice', co));
    await records.reject(bad.recordId, co, 'counterparty unknown', 'COMPLIANCE_OFFICER', as('bob', co));
    await expect(records.approve(bad.recordId, co, 'changed my mind', 'COMPLIANCE_OFFICER', as('carol', co))).rejects.toMatchObject({ code: 'COMPLIANCE.TRANSITION_NOT_ALLOWED' });
    const types = await ctx().superuser(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [`compliance-record-${bad.recordId}`]);
    expect(types.map((t) => t.type)).toEqual(['ComplianceRecordCreated', 'ComplianceRecordRejected']);
  });

  it('refuses bad data with a 400-class code that names the field, writing nothing', async () => {
    const co = await company(ctx(), 'co-compliance-2');
    await expect(records.create(co, { type: 'KYC', data: { subjectName: 'Ann', dateOfBirth: '1990-02-30', nationality: 'DE', documentType: 'passport', documentNumber: 'X1' } }, as('alice', co))).rejects.toMatchObject({
      code: 'COMPLIANCE.DATA_INVALID',
      details: { field: 'data.dateOfBirth' },
    });
    await expect(records.create(co, { type: 'AML', data: { ...aml('1.00').data, amount: 12.5 } }, as('alice', co))).rejects.toMatchObject({ details: { field: 'data.amount' } });
    expect(await ctx().superuser(`SELECT 1 FROM "ComplianceRecord" WHERE "companyId" = $1`, [co])).toEqual([]);
  });

  it('lists with filters and cursor pages, scoped to the company', async () => {
    const a = await company(ctx(), 'co-list-a');
    const b = await company(ctx(), 'co-list-b');
    for (let i = 0; i < 7; i++) await records.create(a, aml(`${(i + 1) * 5000}.00`), as('alice', a));
    await records.create(b, aml('99.00'), as('zed', b));
    const page1 = await ctx().db.transaction((tx) => listRecords(tx, a, { limit: 3, status: 'pending' }), { companyId: a });
    expect(page1.items).toHaveLength(3);
    const page2 = await ctx().db.transaction((tx) => listRecords(tx, a, { limit: 3, status: 'pending', cursor: page1.nextCursor! }), { companyId: a });
    const page3 = await ctx().db.transaction((tx) => listRecords(tx, a, { limit: 3, status: 'pending', cursor: page2.nextCursor! }), { companyId: a });
    const ids = [...page1.items, ...page2.items, ...page3.items].map((r) => r.id);
    expect(new Set(ids).size).toBe(7);
    expect(page3.nextCursor).toBeNull();
    const risky = await ctx().db.transaction((tx) => listRecords(tx, a, { riskMin: 20 }), { companyId: a });
    expect(risky.items.every((r) => (r.riskScore ?? 0) >= 20)).toBe(true);
    expect(risky.items.length).toBeGreaterThan(0);
    expect(risky.items.length).toBeLessThan(7);
    // Company B's id in company A's scope finds nothing.
    const other = await ctx().db.transaction((tx) => listRecords(tx, b, {}), { companyId: a });
    expect(other.items).toEqual([]);
  });

  it('prunes to one hash partition and uses the composite index for a company-scoped listing', async () => {
    const co = await company(ctx(), 'co-list-a');
    const plan = await ctx().db.transaction(async (tx) => {
      await tx.execute('SET LOCAL enable_seqscan = off');
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${LIST_RECORDS_SQL.replace(/\$(\d+)/g, (_, n) => literal(listRecordsParams(co, { status: 'pending', limit: 20 })[Number(n) - 1]))}`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    }, { companyId: co });
    const partitions = new Set(plan.match(/ComplianceRecord_p\d/g) ?? []);
    expect(partitions.size).toBe(1);
    expect(plan).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
    expect(plan).toMatch(/companyId_status_createdAt_idx/);
  });
});

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}
