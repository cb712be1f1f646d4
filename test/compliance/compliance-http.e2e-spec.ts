import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SanctionsStore } from '@maple/compliance';
import { describeEachDatabase, repoRoot } from '../support/databases';
import { startTestApi } from '../support/api';
import { buildWorld, call } from '../security/world';
import type { World } from '../security/world';

type HistoryItem = { version: number; type: string; action: string; userId: string; ip: string | null; changes: { before: Record<string, unknown>; after: Record<string, unknown> } };

// The compliance lifecycle as officers and auditors meet it: over HTTP, with the audit trail
// each step leaves, read back through the auditors' API.
describeEachDatabase('compliance over HTTP, with its audit trail', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  const officer = () => w.a.users.COMPLIANCE_OFFICER.token;
  const admin = () => w.a.users.ADMIN.token;
  const history = async (recordId: string) => {
    const res = await call(app, { method: 'GET', url: `/audit/entities/ComplianceRecord/compliance-record-${recordId}/history`, token: officer() });
    expect(res.statusCode).toBe(200);
    return res.json().items as HistoryItem[];
  };

  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
    await app.get(SanctionsStore).importDirectory(path.join(repoRoot, 'data', 'sanctions', 'ofac'), 'jest');
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('runs the lifecycle, refuses self-review and approving a decided record, and audits every step', async () => {
    const created = await call(app, {
      method: 'POST',
      url: '/compliance/records',
      token: officer(),
      payload: { type: 'AML', data: { counterparty: 'Globex GmbH', amount: '1200.00', currency: 'EUR', country: 'DE', channel: 'wire' } },
    });
    expect(created.statusCode).toBe(201);
    const id: string = created.json().id;
    const self = await call(app, { method: 'POST', url: `/compliance/records/${id}/approve`, token: officer(), payload: { reason: 'all good' } });
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('COMPLIANCE.SELF_REVIEW');
    const ok = await call(app, { method: 'POST', url: `/compliance/records/${id}/approve`, token: admin(), payload: { reason: 'documents verified' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', reviewedBy: w.a.users.ADMIN.id });
    const again = await call(app, { method: 'POST', url: `/compliance/records/${id}/reject`, token: admin(), payload: { reason: 'changed my mind' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('COMPLIANCE.TRANSITION_NOT_ALLOWED');

    // Refusals leave nothing; the two changes are in the trail with who did them.
    const items = await history(id);
    expect(items.map((i) => [i.type, i.action, i.userId])).toEqual([
      ['ComplianceRecordCreated', 'CREATE', w.a.users.COMPLIANCE_OFFICER.id],
      ['ComplianceRecordApproved', 'UPDATE', w.a.users.ADMIN.id],
    ]);
    expect(items[1].changes.after).toMatchObject({ by: w.a.users.ADMIN.id, reason: 'documents verified' });
    // Reads of the record are audited as VIEW rows.
    await call(app, { method: 'GET', url: `/compliance/records/${id}`, token: officer() });
    const views = await ctx().superuser(`SELECT "userId" FROM "AuditLog" WHERE action = 'VIEW' AND "entityId" = $1`, [id]);
    expect(views).toContainEqual({ userId: w.a.users.COMPLIANCE_OFFICER.id });
  });

  it('replays an OFAC decision from the audit history with the list version and the hits it was made with', async () => {
    const listVersion = await app.get(SanctionsStore).activeVersion();
    const res = await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'OFAC', data: { name: 'Oleg Deripaska', entityType: 'person' } } });
    expect(res.statusCode).toBe(201);
    expect(res.json().status).toBe('flagged');
    const [createdEvent, flagged] = await history(res.json().id);
    expect(flagged).toMatchObject({ type: 'ComplianceRecordFlagged', userId: w.a.users.COMPLIANCE_OFFICER.id });
    const screening = createdEvent.changes.after.screening as { listVersion: string; matcherVersion: string; threshold: number; hits: { entryId: string; score: number }[] };
    expect(screening.listVersion).toBe(listVersion);
    expect(screening.matcherVersion).toBe('jw-token-1');
    expect(screening.hits[0]).toMatchObject({ entryId: '24283' });
    expect(screening.hits[0].score).toBeGreaterThanOrEqual(screening.threshold);
  });

  it('finds a record\'s history and state by the id the API gave it, as by its stream id', async () => {
    const res = await call(app, { method: 'POST', url: '/compliance/records', token: officer(), payload: { type: 'AML', data: { counterparty: 'Initech LLC', amount: '77.10', currency: 'USD', country: 'US', channel: 'card' } } });
    expect(res.statusCode).toBe(201);
    const id: string = res.json().id;
    const byApiId = await call(app, { method: 'GET', url: `/audit/entities/ComplianceRecord/${id}/history`, token: officer() });
    expect(byApiId.statusCode).toBe(200);
    expect(byApiId.json().items.map((i: HistoryItem) => i.type)).toEqual((await history(id)).map((i) => i.type));
    const state = await call(app, { method: 'GET', url: `/audit/entities/ComplianceRecord/${id}/state?version=1`, token: officer() });
    expect(state.statusCode).toBe(200);
    expect(state.json()).toMatchObject({ entityType: 'ComplianceRecord', version: 1 });
    // The id of one type does not reach another type's stream, nor another company's.
    expect((await call(app, { method: 'GET', url: `/audit/entities/User/${id}/history`, token: officer() })).statusCode).toBe(404);
    expect((await call(app, { method: 'GET', url: `/audit/entities/ComplianceRecord/${id}/history`, token: w.b.users.COMPLIANCE_OFFICER.token })).statusCode).toBe(404);
  });

  it("never shows company B's officer company A's records or their history", async () => {
    const [row] = (await ctx().superuser(`SELECT id FROM "ComplianceRecord" WHERE "companyId" = $1 LIMIT 1`, [w.a.companyId])) as { id: string }[];
    expect((await call(app, { method: 'GET', url: `/compliance/records/${row.id}`, token: w.b.users.COMPLIANCE_OFFICER.token })).statusCode).toBe(404);
    const trail = await call(app, { method: 'GET', url: `/audit/entities/ComplianceRecord/compliance-record-${row.id}/history`, token: w.b.users.COMPLIANCE_OFFICER.token });
    expect(trail.statusCode).toBe(404);
  });
});
