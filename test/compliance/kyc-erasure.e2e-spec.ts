import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ComplianceRetention } from '@maple/compliance';
import { commandMeta } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { buildWorld, call } from '../security/world';
import type { World } from '../security/world';

const KYC = { subjectName: 'Ivana Kovač 4242', dateOfBirth: '1979-04-02', nationality: 'Croatia', documentType: 'passport', documentNumber: 'P4242X77' };
const yearsFromNow = (years: number) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

// KYC and AML personal data is sealed like HR's, and the 7-year purge erases it: the read row
// goes, and so does the record's data key, so the events keep nothing readable of the person.
describeEachDatabase('compliance: KYC personal data sealed, and erased by the 7-year purge', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  const officer = () => w.a.users.COMPLIANCE_OFFICER.token;
  const purpose = { 'x-purpose': 'KYC review' };

  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('seals KYC identity data, shows it to officers (sensitive fields with a purpose), and erases it with the purge', async () => {
    const created = await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'KYC', data: KYC }, headers: purpose });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    expect(created.json().data).toEqual(KYC);
    const raw = JSON.stringify(await ctx().superuser(`SELECT e.data FROM events e WHERE e.stream_id = $1 UNION ALL SELECT to_jsonb(r.data) FROM "ComplianceRecord" r WHERE r.id = $2`, [`compliance-record-${id}`, id]));
    expect([KYC.subjectName, KYC.dateOfBirth, KYC.documentNumber, 'Croatia'].filter((s) => raw.includes(s))).toEqual([]);
    expect(raw).toContain('"documentType":"passport"');
    // Without a purpose the sensitive fields are withheld; an analyst sees the name masked.
    const plain = await call(app, { method: 'GET', url: `/compliance/records/${id}`, token: officer() });
    expect(plain.json().data).toMatchObject({ subjectName: KYC.subjectName, dateOfBirth: '[purpose required]', documentNumber: '[purpose required]' });
    const analyst = await call(app, { method: 'GET', url: `/compliance/records/${id}`, token: w.a.users.ANALYST.token, headers: purpose });
    expect(analyst.json().data).toMatchObject({ subjectName: '************4242', dateOfBirth: '[hidden]' });
    expect((await call(app, { method: 'POST', url: `/compliance/records/${id}/approve`, token: w.a.users.ADMIN.token, payload: { reason: 'identity verified' } })).statusCode).toBe(200);

    const report = await app.get(ComplianceRetention).run({ dryRun: false, recordIds: [id], meta: commandMeta({ actorId: 'cli:operator', companyId: null }, yearsFromNow(8)) });
    expect(report.purged.map((p) => p.recordId)).toEqual([id]);
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM "ComplianceRecord" WHERE id = $1`, [id])).toEqual([{ n: 0 }]);
    // The events stay (auditors replay them), their personal values unreadable for good.
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM privacy_data_keys WHERE subject_id = $1`, [id])).toEqual([{ n: 0 }]);
    expect(await ctx().superuser(`SELECT reason FROM privacy_erasures WHERE subject_id = $1`, [id])).toEqual([{ reason: 'DataSubjectErased' }]);
    const history = await call(app, { method: 'GET', url: `/audit/entities/ComplianceRecord/compliance-record-${id}/history`, token: officer(), headers: purpose });
    const first = (history.json() as { items: { type: string; changes: { after: { data: Record<string, unknown> } } }[] }).items[0];
    expect(first.type).toBe('ComplianceRecordCreated');
    expect(first.changes.after.data).toMatchObject({ subjectName: '[erased]', dateOfBirth: '[erased]', documentNumber: '[erased]', documentType: 'passport' });
    expect((history.json() as { items: { type: string }[] }).items.map((i) => i.type).slice(-2)).toEqual(['ComplianceRecordPurged', 'DataSubjectErased']);
    expect((await call(app, { method: 'POST', url: '/audit/verify', token: officer(), payload: { companyId: w.a.companyId } })).json()).toMatchObject({ valid: true });
  });

  it('seals an AML counterparty and leaves OFAC subjects as they are (they are screened again and again)', async () => {
    const aml = await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'AML', data: { counterparty: 'Initech 4242 Ltd', amount: '900.00', currency: 'EUR', country: 'FR', channel: 'wire' } } });
    expect(aml.json().data.counterparty).toBe('Initech 4242 Ltd');
    const [row] = await ctx().superuser(`SELECT data FROM "ComplianceRecord" WHERE id = $1`, [aml.json().id]);
    expect(String((row.data as { counterparty: string }).counterparty)).toMatch(/^mpl1\./);
    expect((row.data as { amount: string }).amount).toBe('900.00');
  });
});
