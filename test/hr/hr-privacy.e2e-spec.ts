import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { accessLevel, maskLast4 } from '@maple/platform';
import type { Audience, MatrixRole, Relation } from '@maple/platform';
import { HR_FIELDS } from '@maple/hr';
import type { HrField } from '@maple/hr';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import { PURPOSE, buildHrWorld, employeeData, startLoggedApi } from './hr-world';
import type { HrWorld } from './hr-world';

type View = { id: string; subjectId: string; data: Record<string, unknown>; aiInsights?: { insights: unknown } };

// What is stored, and what each person gets to read: no plaintext of a personal or sensitive
// value anywhere in the database, each role's view of each field as the matrix says, a purpose
// for sensitive reads with a VIEW row for each, and ciphertext that does not survive a move.
describeEachDatabase('HR personal data over HTTP: storage, field matrix, purpose', (ctx) => {
  let app: NestFastifyApplication;
  let w: HrWorld;
  let employee: View;
  let manager: View;
  const plain = employeeData('7301');
  const hr = () => w.a.users.HR_MANAGER.token;
  const post = (url: string, token: string, payload: unknown = {}, headers: Record<string, string> = {}) => call(app, { method: 'POST', url, token, payload, headers });
  const get = (url: string, token: string, headers: Record<string, string> = PURPOSE) => call(app, { method: 'GET', url, token, headers });
  const views = async () => (await ctx().superuser(`SELECT "userId", changes FROM "AuditLog" WHERE action = 'VIEW' AND "entityType" = 'DataSubject' AND "entityId" = $1 ORDER BY "timestamp", id`, [employee.subjectId])) as { userId: string; changes: { fields: string[]; purpose: string; breakGlass: boolean } }[];

  beforeAll(async () => {
    const logs: string[] = [];
    app = await startLoggedApi(ctx(), logs);
    w = await buildHrWorld(app, logs);
    // The COMPLIANCE_OFFICER manages the USER, whose record this is.
    manager = (await post('/hr/employees', hr(), { data: employeeData('7300'), userId: w.a.users.COMPLIANCE_OFFICER.id })).json() as View;
    const res = await post('/hr/employees', hr(), { data: plain, userId: w.a.users.USER.id, managerRecordId: manager.id });
    expect(res.statusCode).toBe(201);
    employee = res.json() as View;
    await post(`/hr/employees/${employee.id}/leave`, hr(), { startDate: '2026-05-01', leaveType: 'sick', leaveReason: 'Confidential diagnosis 7301' });
    await post(`/hr/employees/${employee.id}/return`, hr(), { returnDate: '2026-05-09' });
    await post(`/hr/records/${employee.id}/ai-insights`, hr(), { modelVersion: 'attrition-risk@2.3.1', insights: { note: 'Flight risk 7301 high' } });
    const cand = (await post('/hr/candidates', hr(), { data: { fullName: 'Candidate Seventythree', email: 'c7301@example.test', appliedFor: 'Analyst', resumeSummary: 'Resume 7301 text', expectedSalary: '73010.00' } })).json() as View;
    await post(`/hr/candidates/${cand.id}/reject`, hr(), { reason: 'Rejection reason 7301' });
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('stores no plaintext of any personal or sensitive value: events, read tables, audit rows, logs', async () => {
    const secrets = [plain.fullName, plain.email, plain.phone, plain.address, plain.dateOfBirth, plain.nationalId, plain.bankAccount, plain.salary, 'Confidential diagnosis', 'Flight risk 7301', 'Candidate Seventythree', 'c7301@example.test', 'Resume 7301', '73010.00', 'Rejection reason 7301'];
    const dump = JSON.stringify([
      await ctx().superuser(`SELECT data, metadata FROM events WHERE company_id = $1`, [w.a.companyId]),
      await ctx().superuser(`SELECT * FROM "HRRecord" WHERE "companyId" = $1`, [w.a.companyId]),
      await ctx().superuser(`SELECT * FROM hr_employee_changes WHERE company_id = $1`, [w.a.companyId]),
      await ctx().superuser(`SELECT changes FROM "AuditLog" WHERE "companyId" = $1`, [w.a.companyId]),
      await ctx().superuser(`SELECT state FROM audit_entity_state WHERE company_id = $1`, [w.a.companyId]),
      await ctx().superuser(`SELECT * FROM privacy_blind_index WHERE company_id = $1`, [w.a.companyId]),
    ]);
    expect(secrets.filter((s) => dump.includes(s))).toEqual([]);
    expect(dump).toContain('mpl1.1.');
    // Non-personal fields stay searchable as they are.
    expect(dump).toContain('"position":"Engineer"');
    expect(secrets.filter((s) => w.logs.some((l) => l.includes(s)))).toEqual([]);
  });

  it("shows each role and relation each field exactly as the matrix says", async () => {
    const expected = (role: MatrixRole, relations: Relation[]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries({ ...plain, managerRecordId: manager.id, leaveType: 'sick', leaveReason: 'Confidential diagnosis 7301' })) {
        const level = accessLevel(HR_FIELDS[k as HrField], { role, relations });
        if (level !== 'hidden') out[k] = level === 'masked' ? maskLast4(v) : v;
      }
      return out;
    };
    const check = async (who: Audience, url: string, token: string, role: MatrixRole, relations: Relation[]) => {
      const res = await get(url, token);
      expect({ who, status: res.statusCode }).toEqual({ who, status: 200 });
      const body = res.json() as View | { items: View[] };
      const view = 'items' in body ? body.items.find((i) => i.id === employee.id)! : body;
      expect({ who, data: view.data }).toEqual({ who, data: expected(role, relations) });
    };
    await check('HR_MANAGER', `/hr/records/${employee.id}`, hr(), 'HR_MANAGER', []);
    await check('ADMIN', `/hr/records/${employee.id}`, w.a.users.ADMIN.token, 'ADMIN', []);
    await check('ANALYST', `/hr/records/${employee.id}`, w.a.users.ANALYST.token, 'ANALYST', []);
    await check('VIEWER', `/hr/records/${employee.id}`, w.a.users.VIEWER.token, 'VIEWER', []);
    await check('SELF', '/hr/me', w.a.users.USER.token, 'USER', ['SELF']);
    await check('MANAGER', '/hr/me/reports', w.a.users.COMPLIANCE_OFFICER.token, 'COMPLIANCE_OFFICER', ['MANAGER']);
    // The employee sees their own national id masked; HR managers and administrators see the salary.
    const mine = ((await get('/hr/me', w.a.users.USER.token)).json() as { items: View[] }).items.find((i) => i.id === employee.id)!;
    expect(mine.data.nationalId).toBe(maskLast4(plain.nationalId));
    expect(mine.data.nationalId).not.toBe(plain.nationalId);
    // aiInsights: HR and administrators only.
    expect(((await get(`/hr/records/${employee.id}`, hr())).json() as View).aiInsights).toMatchObject({ insights: { note: 'Flight risk 7301 high' } });
    expect(((await get(`/hr/records/${employee.id}`, w.a.users.VIEWER.token)).json() as View).aiInsights).toBeUndefined();
    // Roles with neither hr:read nor a relation do not get in.
    expect((await get(`/hr/records/${employee.id}`, w.a.users.USER.token)).statusCode).toBe(403);
  });

  it('refuses a sensitive read without a purpose, and logs each sensitive read with its purpose as a VIEW row', async () => {
    const before = (await views()).length;
    const refused = await get(`/hr/records/${employee.id}`, hr(), {});
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'PRIVACY.PURPOSE_REQUIRED', fields: expect.arrayContaining(['hr/salary', 'hr/nationalId']) });
    expect(refused.body).not.toContain(plain.salary);
    expect((await views()).length).toBe(before);
    // A viewer whose fields hold nothing sensitive needs no purpose, and leaves no VIEW row.
    expect((await get(`/hr/records/${employee.id}`, w.a.users.VIEWER.token, {})).statusCode).toBe(200);
    expect((await get(`/hr/records/${employee.id}?purpose=quarterly%20payroll%20check`, hr(), {})).statusCode).toBe(200);
    const logged = (await views()).slice(before);
    expect(logged).toEqual([{ userId: w.a.users.HR_MANAGER.id, changes: expect.objectContaining({ purpose: 'quarterly payroll check', breakGlass: false, fields: expect.arrayContaining(['hr/salary', 'hr/nationalId', 'hr/dateOfBirth', 'hr/fullName']) }) }]);
  });

  it('lets an administrator break the glass with a reason, flagged in the log; nobody else', async () => {
    const normal = (await get(`/hr/records/${employee.id}`, w.a.users.ADMIN.token)).json() as View;
    expect(normal.data.dateOfBirth).toBeUndefined();
    const glass = await get(`/hr/records/${employee.id}`, w.a.users.ADMIN.token, { 'x-break-glass': 'incident 4711: payroll outage' });
    expect(glass.statusCode).toBe(200);
    expect((glass.json() as View).data).toMatchObject({ dateOfBirth: plain.dateOfBirth, nationalId: plain.nationalId });
    expect((await views()).at(-1)).toEqual({ userId: w.a.users.ADMIN.id, changes: expect.objectContaining({ breakGlass: true, purpose: 'incident 4711: payroll outage' }) });
    expect((await get(`/hr/records/${employee.id}`, hr(), { 'x-break-glass': 'curious' })).statusCode).toBe(403);
    expect((await get(`/hr/records/${employee.id}`, w.a.users.ADMIN.token, { 'x-break-glass': ' ' })).json().code).toBe('HR.BREAK_GLASS_REASON_REQUIRED');
  });

  it('applies the matrix to the audit trail: an auditor sees that a value changed, the value only where the role may', async () => {
    await post(`/hr/employees/${employee.id}/changes`, hr(), { effectiveDate: '2026-04-01', changes: { salary: '93000.00' } });
    type Item = { type: string; changes: { after: { changes?: { salary?: unknown }; data?: Record<string, unknown> } } };
    const trail = async (token: string, headers: Record<string, string> = PURPOSE) => ((await get(`/audit/entities/HRRecord/hr-record-${employee.id}/history`, token, headers)).json() as { items: Item[] }).items;
    const salaryChange = (items: Item[]) => items.find((i) => i.type === 'EmployeeChanged' && i.changes.after.changes?.salary)?.changes.after.changes?.salary;
    // An administrator may see salaries; a compliance officer audits the same trail and sees only that it changed.
    expect(salaryChange(await trail(w.a.users.ADMIN.token))).toBe('93000.00');
    expect(salaryChange(await trail(w.a.users.COMPLIANCE_OFFICER.token))).toBe('[hidden]');
    // Without a purpose a sensitive value is withheld, not refused: the trail still shows the change.
    expect(salaryChange(await trail(w.a.users.ADMIN.token, {}))).toBe('[purpose required]');
    const hired = (await trail(w.a.users.ADMIN.token))[0].changes.after.data!;
    expect(hired).toMatchObject({ fullName: plain.fullName, nationalId: maskLast4(plain.nationalId), position: 'Engineer' });
    // The state as of a version follows the same rules, relations included: this compliance
    // officer is the employee's manager, so sees the name (not the salary).
    const state = (await get(`/audit/entities/HRRecord/hr-record-${employee.id}/state?version=1`, w.a.users.COMPLIANCE_OFFICER.token)).json() as { state: { data: Record<string, unknown> } };
    expect(state.state.data).toMatchObject({ fullName: plain.fullName, salary: '[hidden]', nationalId: '[hidden]', position: 'Engineer' });
  });

  it('finds a person by exact e-mail or national id through the blind index', async () => {
    const byEmail = await get(`/hr/lookup?field=email&value=${encodeURIComponent(plain.email.toUpperCase())}`, hr());
    expect((byEmail.json() as { items: View[] }).items.map((i) => i.id)).toEqual([employee.id]);
    const byId = await get(`/hr/lookup?field=nationalId&value=${encodeURIComponent(plain.nationalId.replace(/\./g, ''))}`, hr());
    expect((byId.json() as { items: View[] }).items.map((i) => i.id)).toEqual([employee.id]);
    expect(((await get('/hr/lookup?field=email&value=nobody%40example.test', hr())).json() as { items: unknown[] }).items).toEqual([]);
  });

  it('refuses to show a ciphertext moved to another person or another field', async () => {
    const other = (await post('/hr/employees', hr(), { data: employeeData('7302') })).json() as View;
    const [src] = (await ctx().superuser(`SELECT data FROM "HRRecord" WHERE id = $1`, [employee.id])) as { data: Record<string, string> }[];
    // Another person's national id, and (within the same person) a salary put in the bank account field.
    await ctx().superuser(`UPDATE "HRRecord" SET data = data || jsonb_build_object('nationalId', $2::text) WHERE id = $1`, [other.id, src.data.nationalId]);
    await ctx().superuser(`UPDATE "HRRecord" SET data = data || jsonb_build_object('bankAccount', $2::text) WHERE id = $1`, [employee.id, src.data.salary]);
    const moved = (await get(`/hr/records/${other.id}`, hr())).json() as View;
    expect(moved.data.nationalId).toBe('[unreadable]');
    const swapped = (await get(`/hr/records/${employee.id}`, hr())).json() as View;
    expect(swapped.data).toMatchObject({ bankAccount: '[unreadable]', salary: '93000.00' });
  });
});
