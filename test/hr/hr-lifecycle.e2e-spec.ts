import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import { PURPOSE, buildHrWorld, employeeData, startLoggedApi } from './hr-world';
import type { HrWorld } from './hr-world';

type View = { id: string; type: string; status: string; subjectId: string; data: Record<string, unknown>; state: Record<string, unknown>; scheduledChanges?: { field: string; effectiveDate: string }[] };
type HistoryItem = { type: string; action: string; userId: string };

// The candidate -> employee lifecycle and performance reviews as HR, managers and employees meet
// them over HTTP, with the audit trail every step leaves and the four-eyes rule on ratings.
describeEachDatabase('HR lifecycle over HTTP, with its audit trail', (ctx) => {
  let app: NestFastifyApplication;
  let w: HrWorld;
  const hr = () => w.a.users.HR_MANAGER.token;
  const post = (url: string, token: string, payload: unknown = {}, headers: Record<string, string> = {}) => call(app, { method: 'POST', url, token, payload, headers });
  const get = (url: string, token: string, headers: Record<string, string> = PURPOSE) => call(app, { method: 'GET', url, token, headers });
  const history = async (recordId: string) => {
    const res = await get(`/audit/entities/HRRecord/hr-record-${recordId}/history`, w.a.users.ADMIN.token);
    expect(res.statusCode).toBe(200);
    return (res.json() as { items: HistoryItem[] }).items.map((i) => [i.type, i.action, i.userId]);
  };

  beforeAll(async () => {
    const logs: string[] = [];
    app = await startLoggedApi(ctx(), logs);
    w = await buildHrWorld(app, logs);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('is the hr plan module: 403 without it, open from STARTER', async () => {
    // Company B has no subscription at all.
    const none = await get('/hr/records', w.b.users.HR_MANAGER.token);
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ code: 'BILLING.FEATURE_NOT_IN_PLAN' });
    const trial = await post(`/billing/companies/${w.b.companyId}/subscription`, w.platform.token, { tier: 'TRIAL', billingCycle: 'monthly', price: '0.00' });
    expect(trial.statusCode).toBe(201);
    expect((await get('/hr/records', w.b.users.HR_MANAGER.token)).statusCode).toBe(403);
    const up = await post(`/billing/companies/${w.b.companyId}/subscription/tier`, w.platform.token, { tier: 'STARTER', price: '19.00' });
    expect(up.statusCode).toBe(200);
    expect((await get('/hr/records', w.b.users.HR_MANAGER.token)).statusCode).toBe(200);
  });

  it('hires a candidate as an employee of the same data subject, and audits every step with its actor', async () => {
    const created = await post('/hr/candidates', hr(), { data: { fullName: 'Ada Lovelace', email: 'ada.lifecycle@example.test', appliedFor: 'Analyst', expectedSalary: '72000.00' } });
    expect(created.statusCode).toBe(201);
    const candidate = created.json() as View;
    // The answer to a write withholds sensitive fields unless the write carried a purpose.
    expect(candidate).toMatchObject({ type: 'candidate', status: 'applied', data: { fullName: 'Ada Lovelace', expectedSalary: '[purpose required]' } });
    const skip = await post(`/hr/candidates/${candidate.id}/advance`, hr(), { to: 'offer' });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().code).toBe('HR.TRANSITION_NOT_ALLOWED');
    for (const to of ['screening', 'interview', 'offer']) expect((await post(`/hr/candidates/${candidate.id}/advance`, hr(), { to, notes: `moved to ${to}` })).statusCode).toBe(200);
    const unknownField = await post(`/hr/candidates/${candidate.id}/hire`, hr(), { data: { ...employeeData('1'), shoeSize: 44 } });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json()).toMatchObject({ code: 'HR.DATA_INVALID', field: 'data.shoeSize' });

    const { fullName: _n, email: _e, phone: _p, ...employment } = employeeData('1');
    // The linked account reads the record as its own: it must be one of the company's users.
    const foreign = await post(`/hr/candidates/${candidate.id}/hire`, hr(), { data: employment, userId: w.b.users.USER.id });
    expect(foreign.json()).toMatchObject({ code: 'HR.DATA_INVALID', field: 'userId' });
    const hired = await post(`/hr/candidates/${candidate.id}/hire`, hr(), { data: employment, userId: w.a.users.USER.id }, PURPOSE);
    expect(hired.statusCode).toBe(201);
    const employee = hired.json() as View;
    expect(employee).toMatchObject({ type: 'employee', status: 'active', subjectId: candidate.subjectId, data: { fullName: 'Ada Lovelace', email: 'ada.lifecycle@example.test', salary: '91234.56' } });
    expect((await get(`/hr/records/${candidate.id}`, hr())).json()).toMatchObject({ status: 'hired', state: { employeeRecordId: employee.id } });
    expect((await post(`/hr/candidates/${candidate.id}/hire`, hr(), { data: employment })).statusCode).toBe(409);

    expect(await history(candidate.id)).toEqual([
      ['CandidateApplied', 'CREATE', w.a.users.HR_MANAGER.id],
      ['CandidateAdvanced', 'UPDATE', w.a.users.HR_MANAGER.id],
      ['CandidateAdvanced', 'UPDATE', w.a.users.HR_MANAGER.id],
      ['CandidateAdvanced', 'UPDATE', w.a.users.HR_MANAGER.id],
      ['CandidateHired', 'UPDATE', w.a.users.HR_MANAGER.id],
    ]);
    expect(await history(employee.id)).toEqual([['EmployeeHired', 'CREATE', w.a.users.HR_MANAGER.id]]);

    // AI insights name their model version; a hostile payload is a 400 and changes nothing.
    const ai = await post(`/hr/records/${employee.id}/ai-insights`, hr(), { modelVersion: 'attrition-risk@2.3.1', insights: { attritionRisk: 0.12 } });
    expect(ai.json()).toMatchObject({ aiInsights: { modelVersion: 'attrition-risk@2.3.1', insights: { attritionRisk: 0.12 } } });
    let deep: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 12; i++) deep = { deep };
    const refused = await post(`/hr/records/${employee.id}/ai-insights`, hr(), { modelVersion: 'm@1', insights: deep });
    expect(refused.json()).toMatchObject({ status: 400, code: 'HR.DATA_INVALID', field: 'insights' });
    expect((await history(employee.id)).map((h) => h[0])).toEqual(['EmployeeHired', 'HrAiInsightsRecorded']);
  });

  it('applies changes from their effective date, then leave and termination', async () => {
    const res = await post('/hr/employees', hr(), { data: employeeData('2') });
    expect(res.statusCode).toBe(201);
    const id = (res.json() as View).id;
    expect((await post(`/hr/employees/${id}/changes`, hr(), { effectiveDate: '2026-02-01', changes: { position: 'Senior Engineer' } })).statusCode).toBe(201);
    const raise = await post(`/hr/employees/${id}/changes`, hr(), { effectiveDate: '2099-01-01', changes: { salary: '99999.00' } });
    expect(raise.statusCode).toBe(201);
    const now = (await get(`/hr/records/${id}`, hr())).json() as View;
    expect(now.data).toMatchObject({ position: 'Senior Engineer', salary: '91234.56' });
    expect(now.scheduledChanges).toEqual([{ field: 'salary', effectiveDate: '2099-01-01' }]);
    expect(((await get(`/hr/records/${id}?asOf=2099-06-01`, hr())).json() as View).data).toMatchObject({ salary: '99999.00' });
    expect(((await get(`/hr/records/${id}?asOf=2026-01-20`, hr())).json() as View).data).toMatchObject({ position: 'Engineer' });
    expect((await post(`/hr/employees/${id}/changes`, hr(), { effectiveDate: '2026-02-01', changes: { salary: 12 } })).json()).toMatchObject({ code: 'HR.DATA_INVALID' });

    expect((await post(`/hr/employees/${id}/leave`, hr(), { startDate: '2026-05-01', leaveType: 'sick', leaveReason: 'knee surgery' })).json()).toMatchObject({ status: 'on-leave' });
    expect((await post(`/hr/employees/${id}/return`, hr(), { returnDate: '2026-05-20' })).json()).toMatchObject({ status: 'active' });
    expect((await post(`/hr/employees/${id}/terminate`, hr(), { effectiveDate: '2026-12-31', terminationType: 'resignation', terminationReason: 'moving abroad' })).json()).toMatchObject({ status: 'terminated' });
    expect((await post(`/hr/employees/${id}/changes`, hr(), { effectiveDate: '2027-01-01', changes: { position: 'x' } })).statusCode).toBe(409);
    expect((await history(id)).map((h) => h[0])).toEqual(['EmployeeHired', 'EmployeeChanged', 'EmployeeChanged', 'EmployeeLeaveStarted', 'EmployeeLeaveEnded', 'EmployeeTerminated']);
  });

  it('has reviews written by the manager, never by the reviewee, and final ratings only by two different HR managers', async () => {
    // The ANALYST manages the USER.
    const boss = (await post('/hr/employees', hr(), { data: employeeData('3'), userId: w.a.users.ANALYST.id })).json() as View;
    const emp = (await post('/hr/employees', hr(), { data: employeeData('4'), userId: w.a.users.COMPLIANCE_OFFICER.id, managerRecordId: boss.id })).json() as View;
    const draft = { employeeRecordId: emp.id, data: { period: '2026-H2', reviewSummary: 'Shipped the ledger rewrite.' } };
    const self = await post('/hr/reviews', w.a.users.COMPLIANCE_OFFICER.token, draft);
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('HR.SELF_REVIEW');
    expect((await post('/hr/reviews', w.a.users.USER.token, draft)).json().code).toBe('HR.REVIEWER_NOT_ALLOWED');
    const drafted = await post('/hr/reviews', w.a.users.ANALYST.token, draft);
    expect(drafted.statusCode).toBe(201);
    const review = drafted.json() as View;
    expect(review).toMatchObject({ type: 'performance', status: 'draft', subjectId: emp.subjectId });
    expect((await post(`/hr/reviews/${review.id}/submit`, w.a.users.ANALYST.token, { rating: 4 })).json()).toMatchObject({ status: 'submitted', data: { rating: 4 } });

    expect((await post(`/hr/reviews/${review.id}/acknowledge`, w.a.users.COMPLIANCE_OFFICER.token)).statusCode).toBe(409);
    const first = await post(`/hr/reviews/${review.id}/approve-rating`, hr());
    expect(first.json()).toMatchObject({ state: { ratingStatus: 'proposed', approvals: [w.a.users.HR_MANAGER.id] } });
    const again = await post(`/hr/reviews/${review.id}/approve-rating`, hr());
    expect(again.statusCode).toBe(403);
    expect(again.json().code).toBe('HR.SECOND_APPROVAL_REQUIRED');
    expect((await post(`/hr/reviews/${review.id}/approve-rating`, w.a.users.ADMIN.token)).json().code).toBe('HR.ROLE_NOT_ALLOWED');
    const second = await post(`/hr/reviews/${review.id}/approve-rating`, w.hr2.token);
    expect(second.json()).toMatchObject({ state: { ratingStatus: 'final', approvals: [w.a.users.HR_MANAGER.id, w.hr2.id] } });
    expect((await post(`/hr/reviews/${review.id}/acknowledge`, w.a.users.ANALYST.token)).statusCode).toBe(403);
    expect((await post(`/hr/reviews/${review.id}/acknowledge`, w.a.users.COMPLIANCE_OFFICER.token)).json()).toMatchObject({ status: 'acknowledged' });

    expect(await history(review.id)).toEqual([
      ['PerformanceReviewDrafted', 'CREATE', w.a.users.ANALYST.id],
      ['PerformanceReviewSubmitted', 'UPDATE', w.a.users.ANALYST.id],
      ['PerformanceRatingApproved', 'UPDATE', w.a.users.HR_MANAGER.id],
      ['PerformanceRatingFinalized', 'UPDATE', w.hr2.id],
      ['PerformanceReviewAcknowledged', 'UPDATE', w.a.users.COMPLIANCE_OFFICER.id],
    ]);
    // The manager sees the report's review and record through /hr/me/reports.
    const reports = (await get('/hr/me/reports', w.a.users.ANALYST.token)).json() as { items: View[] };
    expect(reports.items.map((r) => r.id)).toEqual([emp.id]);
  });

  it("never shows company B's HR manager company A's records", async () => {
    const [row] = (await ctx().superuser(`SELECT id FROM "HRRecord" WHERE "companyId" = $1 LIMIT 1`, [w.a.companyId])) as { id: string }[];
    expect((await get(`/hr/records/${row.id}`, w.b.users.HR_MANAGER.token)).statusCode).toBe(404);
    expect(((await get('/hr/records', w.b.users.HR_MANAGER.token)).json() as { items: unknown[] }).items).toEqual([]);
  });
});
