import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase, onServer } from '../support/databases';
import { startTestApi } from '../support/api';
import { buildWorld, call } from '../security/world';
import type { World } from '../security/world';

// A platform administrator's read of a company is recorded in THAT company's chain, so its own
// auditors see it; reads never conflict with each other; a failed read records nothing.
describeEachDatabase('tenancy: cross-company access by platform administrators (HTTP)', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: World;

  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const accessEvents = async (companyId: string | null) =>
    (await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE type = 'CrossCompanyAccessUsed' AND company_id IS NOT DISTINCT FROM $1`, [companyId]))[0].n as number;

  it("files the access under the company read, where that company's administrator finds it in the audit log", async () => {
    const before = await accessEvents(w.a.companyId);
    const res = await call(app, { method: 'GET', url: `/companies/${w.a.companyId}`, token: w.platform.token });
    expect(res.statusCode).toBe(200);
    expect(await accessEvents(w.a.companyId)).toBe(before + 1);
    const logs = await call(app, { method: 'GET', url: '/audit/logs?entityType=PlatformAccess', token: w.a.users.ADMIN.token });
    expect(logs.statusCode).toBe(200);
    const items = (logs.json() as { items: { userId: string; companyId: string }[] }).items;
    expect(items.some((l) => l.userId === w.platform.id && l.companyId === w.a.companyId)).toBe(true);
    // Company B's auditors see nothing of A's.
    const other = await call(app, { method: 'GET', url: '/audit/logs?entityType=PlatformAccess', token: w.b.users.ADMIN.token });
    expect((other.json() as { items: unknown[] }).items).toEqual([]);
  });

  it('records nothing for a read that fails: a made-up company id is a 404 and no event', async () => {
    const all = (await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE type = 'CrossCompanyAccessUsed'`))[0].n as number;
    const res = await call(app, { method: 'GET', url: `/companies/${randomUUID()}`, token: w.platform.token });
    expect(res.statusCode).toBe(404);
    expect((await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE type = 'CrossCompanyAccessUsed'`))[0].n).toBe(all);
  });

  onServer(target)('answers 50 parallel reads of one company by one administrator without a single non-2xx (PostgreSQL)', async () => {
    const before = await accessEvents(w.a.companyId);
    const answers = await Promise.all(Array.from({ length: 50 }, () => call(app, { method: 'GET', url: `/companies/${w.a.companyId}`, token: w.platform.token })));
    expect(answers.map((r) => r.statusCode).filter((s) => s !== 200)).toEqual([]);
    expect(await accessEvents(w.a.companyId)).toBe(before + 50);
    const lists = await Promise.all(Array.from({ length: 20 }, () => call(app, { method: 'GET', url: '/companies', token: w.platform.token })));
    expect(lists.map((r) => r.statusCode).filter((s) => s !== 200)).toEqual([]);
  });
});
