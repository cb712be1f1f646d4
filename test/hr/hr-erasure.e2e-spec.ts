import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { verifyExport } from '@maple/audit';
import { verifySubjectExport } from '@maple/hr';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import { PURPOSE, buildHrWorld, employeeData, startLoggedApi } from './hr-world';
import type { HrWorld } from './hr-world';

type View = { id: string; subjectId: string; status: string; data: Record<string, unknown>; aiInsights?: { insights: unknown } };
type HistoryItem = { type: string; changes: { before: Record<string, unknown>; after: Record<string, unknown> } };

// Crypto-shredding as HR, administrators and auditors meet it: after an approved erasure the
// person's data reads as [erased] everywhere (API, history, state, subject export, read tables,
// logs), the hash chain still verifies, and exports made before and after both verify offline.
describeEachDatabase('HR erasure (crypto-shredding) and the subject access export, over HTTP', (ctx) => {
  let app: NestFastifyApplication;
  let w: HrWorld;
  let publicKey: string;
  const plain = employeeData('8801');
  const hr = () => w.a.users.HR_MANAGER.token;
  const admin = () => w.a.users.ADMIN.token;
  const post = (url: string, token: string, payload: unknown = {}, headers: Record<string, string> = {}) => call(app, { method: 'POST', url, token, payload, headers });
  const get = (url: string, token: string, headers: Record<string, string> = PURPOSE) => call(app, { method: 'GET', url, token, headers });
  const auditExport = async () => {
    const res = await get(`/audit/export?companyId=${encodeURIComponent(w.a.companyId)}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`, admin());
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const secrets = [plain.fullName, plain.email, plain.nationalId, plain.salary, plain.bankAccount, plain.address, 'Review 8801 text', 'Insight 8801'];

  beforeAll(async () => {
    const logs: string[] = [];
    app = await startLoggedApi(ctx(), logs);
    w = await buildHrWorld(app, logs);
    publicKey = ((await call(app, { method: 'GET', url: '/audit/public-key' })).json() as { publicKeyPem: string }).publicKeyPem;
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('exports everything about a person, decrypted and signed; the export verifies offline and a change to it does not', async () => {
    const e = (await post('/hr/employees', hr(), { data: employeeData('8800') })).json() as View;
    await post(`/hr/records/${e.id}/ai-insights`, hr(), { modelVersion: 'm@1', insights: { summary: 'Insight 8800' } });
    const res = await get(`/hr/subjects/${e.subjectId}/export`, hr(), { 'x-purpose': 'subject access request #12' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });
    expect(lines.map((l) => l.kind)).toEqual(expect.arrayContaining(['subject', 'record', 'event', 'audit', 'signature']));
    expect(lines.at(-1)?.kind).toBe('signature');
    const record = lines.find((l) => l.kind === 'record') as unknown as View;
    expect(record.data).toMatchObject({ fullName: 'Grace Hopper 8800', nationalId: '756.8800.5678.97', dateOfBirth: '1986-12-09', salary: '91234.56' });
    expect(record.aiInsights).toMatchObject({ insights: { summary: 'Insight 8800' } });
    expect(lines.find((l) => l.kind === 'event' && l.type === 'EmployeeHired')).toMatchObject({ data: { data: { fullName: 'Grace Hopper 8800' } } });
    expect(verifySubjectExport(res.body, publicKey)).toMatchObject({ valid: true });
    expect(verifySubjectExport(res.body.replace('Grace Hopper 8800', 'Grace Hopper 8899'), publicKey)).toMatchObject({ valid: false, reason: expect.stringMatching(/^DIGEST_MISMATCH/) });
    // The export is a sensitive read, on record with its purpose; it is for HR managers only.
    const [view] = await ctx().superuser(`SELECT "userId", changes FROM "AuditLog" WHERE action = 'VIEW' AND "entityId" = $1 ORDER BY "timestamp" DESC LIMIT 1`, [e.subjectId]);
    expect(view).toMatchObject({ userId: w.a.users.HR_MANAGER.id, changes: { purpose: 'subject access request #12' } });
    expect((await get(`/hr/subjects/${e.subjectId}/export`, admin())).statusCode).toBe(403);
  });

  it('erases on an HR request approved by an administrator; afterwards nothing of the person can be read, and the chain still verifies', async () => {
    const e = (await post('/hr/employees', hr(), { data: plain, userId: w.a.users.USER.id })).json() as View;
    await post(`/hr/employees/${e.id}/changes`, hr(), { effectiveDate: '2026-03-01', changes: { salary: '95000.00' } });
    await post(`/hr/records/${e.id}/ai-insights`, hr(), { modelVersion: 'm@1', insights: { summary: 'Insight 8801' } });
    const boss = (await post('/hr/employees', hr(), { data: employeeData('8802'), userId: w.a.users.ANALYST.id })).json() as View;
    await post(`/hr/employees/${e.id}/changes`, hr(), { effectiveDate: '2026-03-01', changes: { managerRecordId: boss.id } });
    const review = (await post('/hr/reviews', w.a.users.ANALYST.token, { employeeRecordId: e.id, data: { period: '2026-H2', reviewSummary: 'Review 8801 text' } })).json() as View;
    const before = await auditExport();
    const sarBefore = (await get(`/hr/subjects/${e.subjectId}/export`, hr())).body;

    // Two people: an HR manager asks, an administrator (not an HR manager) approves.
    expect((await post(`/hr/subjects/${e.subjectId}/erasure-requests/approve`, admin())).json().code).toBe('HR.TRANSITION_NOT_ALLOWED');
    expect((await post(`/hr/subjects/${e.subjectId}/erasure-requests`, admin(), { reason: 'asked' })).statusCode).toBe(403);
    const asked = await post(`/hr/subjects/${e.subjectId}/erasure-requests`, hr(), { reason: 'GDPR art. 17 request' });
    expect(asked.statusCode).toBe(201);
    expect((await post(`/hr/subjects/${e.subjectId}/erasure-requests/approve`, hr())).statusCode).toBe(403);
    const approved = await post(`/hr/subjects/${e.subjectId}/erasure-requests/approve`, admin());
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ erasedAt: expect.any(String), openRequest: null });

    // The API: every personal value reads as [erased]; what is not personal is still there.
    const after = (await get(`/hr/records/${e.id}`, hr())).json() as View;
    expect(after.data).toMatchObject({ fullName: '[erased]', nationalId: '[erased]', salary: '[erased]', position: 'Engineer', department: 'Platform' });
    expect(after.aiInsights).toMatchObject({ insights: '[erased]' });
    expect(((await get(`/hr/records/${review.id}`, hr())).json() as View).data).toMatchObject({ reviewSummary: '[erased]', period: '2026-H2' });
    // History and state: the change is there, the value is not.
    const history = await get(`/audit/entities/HRRecord/hr-record-${e.id}/history`, admin());
    const items = (history.json() as { items: HistoryItem[] }).items;
    expect(items[0].type).toBe('EmployeeHired');
    expect((items[0].changes.after.data as Record<string, unknown>).fullName).toBe('[erased]');
    expect(items.find((i) => i.type === 'EmployeeChanged' && (i.changes.after.changes as Record<string, unknown>).salary)?.changes.after.changes).toEqual({ salary: '[erased]' });
    const state = await get(`/audit/entities/HRRecord/hr-record-${e.id}/state`, admin());
    expect((state.json() as { state: { data: Record<string, unknown> } }).state.data).toMatchObject({ fullName: '[erased]', salary: '[erased]', position: 'Engineer' });
    // Read tables: no sealed value of the person is left, let alone plaintext.
    const rows = JSON.stringify(await ctx().superuser(`SELECT data, "aiInsights" FROM "HRRecord" WHERE "subjectId" = $1`, [e.subjectId]));
    expect(rows).not.toContain('mpl1.');
    expect(JSON.stringify(await ctx().superuser(`SELECT value FROM hr_employee_changes WHERE record_id = $1`, [e.id]))).not.toContain('mpl1.');
    // The subject access export now holds nothing personal either.
    const sarAfter = await get(`/hr/subjects/${e.subjectId}/export`, hr());
    expect(verifySubjectExport(sarAfter.body, publicKey)).toMatchObject({ valid: true });
    expect(secrets.filter((s) => sarAfter.body.includes(s))).toEqual([]);
    expect(sarAfter.body).toContain('[erased]');
    // The one before the erasure was decrypted then; it still verifies as the file it was.
    expect(verifySubjectExport(sarBefore, publicKey)).toMatchObject({ valid: true });

    // The chain covers the ciphertext, so it still verifies; so do exports made before and after.
    const verified = await post('/audit/verify', admin(), { companyId: w.a.companyId });
    expect(verified.json()).toMatchObject({ valid: true });
    const afterExport = await auditExport();
    expect(verifyExport(before, publicKey)).toMatchObject({ valid: true });
    expect(verifyExport(afterExport, publicKey)).toMatchObject({ valid: true });
    expect(afterExport).toContain('DataSubjectErased');
    // The erasure event holds no personal data; nothing of the person is in the exports or the logs.
    const erasedEvent = await ctx().superuser(`SELECT data FROM events WHERE type = 'DataSubjectErased' AND data->>'subjectId' = $1`, [e.subjectId]);
    expect(erasedEvent).toEqual([{ data: { subjectId: e.subjectId, reason: 'request', requestedBy: w.a.users.HR_MANAGER.id, approvedBy: w.a.users.ADMIN.id } }]);
    expect(secrets.filter((s) => afterExport.includes(s) || before.includes(s) || w.logs.some((l) => l.includes(s)))).toEqual([]);

    // Nothing personal can be stored for the person again.
    const again = await post(`/hr/records/${e.id}/ai-insights`, hr(), { modelVersion: 'm@2', insights: { summary: 'new' } });
    expect(again.statusCode).toBe(410);
    expect(again.json().code).toBe('PRIVACY.SUBJECT_ERASED');
    expect((await post(`/hr/subjects/${e.subjectId}/erasure-requests`, hr(), {})).json().code).toBe('HR.SUBJECT_ERASED');
  });

  it('is blocked by a legal hold until it is released', async () => {
    const e = (await post('/hr/employees', hr(), { data: employeeData('8803') })).json() as View;
    const held = await post(`/hr/subjects/${e.subjectId}/legal-holds`, hr(), { matter: 'LIT-2026-014' });
    expect(held.statusCode).toBe(201);
    const holdId = (held.json() as { holds: { holdId: string }[] }).holds[0].holdId;
    const refused = await post(`/hr/subjects/${e.subjectId}/erasure-requests`, hr(), {});
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('HR.LEGAL_HOLD');
    expect((await post(`/hr/subjects/${e.subjectId}/legal-holds/${holdId}/release`, hr())).statusCode).toBe(200);
    expect((await post(`/hr/subjects/${e.subjectId}/erasure-requests`, hr(), {})).statusCode).toBe(201);
  });
});
