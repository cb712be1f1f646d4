import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HrRetention } from '@maple/hr';
import { commandMeta } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import { PURPOSE, buildHrWorld, employeeData, startLoggedApi, yearsFromNow } from './hr-world';
import type { HrWorld } from './hr-world';

type View = { id: string; subjectId: string; data: Record<string, unknown> };

// Retention by record type: the job proposes (here run at a later "now", since events cannot be
// back-dated), an HR manager approves, the erasure runs, and a legal hold keeps a person out.
describeEachDatabase('HR retention: proposed by the job, approved by HR, blocked by legal holds', (ctx) => {
  let app: NestFastifyApplication;
  let w: HrWorld;
  const hr = () => w.a.users.HR_MANAGER.token;
  const post = (url: string, token: string, payload: unknown = {}) => call(app, { method: 'POST', url, token, payload });
  const candidate = async (tag: string, extra: Record<string, unknown> = {}) => {
    const c = (await post('/hr/candidates', hr(), { data: { fullName: `Candidate ${tag}`, email: `cand.${tag}@example.test`, appliedFor: 'Analyst' }, ...extra })).json() as View;
    await post(`/hr/candidates/${c.id}/reject`, hr(), { reason: 'not this time' });
    return c;
  };
  const job = (years: number, companyId: string) => app.get(HrRetention).proposeDue(commandMeta({ actorId: 'system:worker', companyId: null }, yearsFromNow(years)), [companyId]);

  beforeAll(async () => {
    const logs: string[] = [];
    app = await startLoggedApi(ctx(), logs);
    w = await buildHrWorld(app, logs);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it("proposes people whose retention ended, and an HR manager's approval erases them except those on hold", async () => {
    const old = await candidate('r1');
    const consented = await candidate('r2', { consentUntil: '2099-12-31' });
    const held = await candidate('r3');
    const heldLater = await candidate('r4');
    const left = (await post('/hr/employees', hr(), { data: employeeData('r5') })).json() as View;
    await post(`/hr/employees/${left.id}/terminate`, hr(), { effectiveDate: '2026-06-30', terminationType: 'resignation' });
    const working = (await post('/hr/employees', hr(), { data: employeeData('r6') })).json() as View;
    expect((await post(`/hr/subjects/${held.subjectId}/legal-holds`, hr(), { matter: 'LIT-7' })).statusCode).toBe(201);

    // Too early for anybody.
    expect(await job(1, w.a.companyId)).toEqual([]);
    const [made] = await job(8, w.a.companyId);
    expect(made).toMatchObject({ companyId: w.a.companyId, subjects: 3 });
    const list = await call(app, { method: 'GET', url: '/hr/retention/proposals', token: hr() });
    const proposal = (list.json() as { items: { proposalId: string; status: string; subjects: { subjectId: string; recordType: string }[] }[] }).items[0];
    expect(proposal.status).toBe('proposed');
    expect(proposal.subjects.map((s) => s.subjectId).sort()).toEqual([old.subjectId, heldLater.subjectId, left.subjectId].sort());
    expect(proposal.subjects.map((s) => s.subjectId)).not.toEqual(expect.arrayContaining([consented.subjectId, held.subjectId, working.subjectId]));
    // Running the job again proposes nobody twice.
    expect(await job(8, w.a.companyId)).toEqual([]);

    // A hold placed after the proposal still keeps its person.
    await post(`/hr/subjects/${heldLater.subjectId}/legal-holds`, hr(), { matter: 'LIT-8' });
    expect((await post(`/hr/retention/proposals/${proposal.proposalId}/approve`, w.a.users.ADMIN.token)).statusCode).toBe(403);
    const approved = await post(`/hr/retention/proposals/${proposal.proposalId}/approve`, hr());
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ erased: expect.arrayContaining([old.subjectId, left.subjectId]), skipped: [{ subjectId: heldLater.subjectId, reason: expect.stringContaining('HR.LEGAL_HOLD') }] });
    expect((await post(`/hr/retention/proposals/${proposal.proposalId}/approve`, hr())).statusCode).toBe(409);

    const read = async (id: string) => ((await call(app, { method: 'GET', url: `/hr/records/${id}`, token: hr(), headers: PURPOSE })).json() as View).data;
    expect(await read(old.id)).toMatchObject({ fullName: '[erased]', email: '[erased]', appliedFor: 'Analyst' });
    expect(await read(left.id)).toMatchObject({ salary: '[erased]', position: 'Engineer' });
    expect(await read(heldLater.id)).toMatchObject({ fullName: 'Candidate r4' });
    expect(await read(consented.id)).toMatchObject({ fullName: 'Candidate r2' });
    const [erasure] = await ctx().superuser(`SELECT data FROM events WHERE type = 'DataSubjectErased' AND data->>'subjectId' = $1`, [old.subjectId]);
    expect(erasure.data).toEqual({ subjectId: old.subjectId, reason: `retention:${proposal.proposalId}`, requestedBy: null, approvedBy: w.a.users.HR_MANAGER.id });
  });

  it('lets ENTERPRISE companies set their own periods, and nobody else', async () => {
    const own = await call(app, { method: 'PUT', url: '/hr/retention/policy', token: hr(), payload: { candidateYears: 10, employeeYears: 12 } });
    expect(own.statusCode).toBe(403);
    expect(own.json().code).toBe('HR.RETENTION_SETTINGS_NOT_IN_PLAN');
    expect((await post(`/billing/companies/${w.a.companyId}/subscription/tier`, w.platform.token, { tier: 'ENTERPRISE', price: '999.00' })).statusCode).toBe(200);
    const set = await call(app, { method: 'PUT', url: '/hr/retention/policy', token: hr(), payload: { candidateYears: 10, employeeYears: 12 } });
    expect(set.json()).toEqual({ candidateYears: 10, employeeYears: 12 });
    const c = await candidate('r7');
    // 8 years on: due under the default 2 years, not under the company's 10.
    expect((await job(8, w.a.companyId)).length).toBe(0);
    const [later] = await job(11, w.a.companyId);
    const proposals = (await call(app, { method: 'GET', url: '/hr/retention/proposals', token: hr() })).json() as { items: { proposalId: string; subjects: { subjectId: string }[] }[] };
    expect(proposals.items.find((p) => p.proposalId === later.proposalId)?.subjects.map((s) => s.subjectId)).toEqual([c.subjectId]);
  });
});
