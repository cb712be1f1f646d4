import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { hasPermissions, platformOnly } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { buildWorld, call } from './world';
import type { World } from './world';
import { exampleBody, fill, operations } from './openapi-ops';
import type { Doc, Op } from './openapi-ops';

// Walks the OpenAPI document, so every route added later is covered without editing this file.
// Each operation's permissions come from its `x-permissions` (written by @RequirePermission).

const ID_PARAM = /^(id|.*Id)$/;

const isWrite = (o: Op) => o.method !== 'GET';
const selfService = (o: Op) => o.permissions.every((p) => p.startsWith('self:'));

describeEachDatabase('security: every route of the OpenAPI document', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  let ops: Op[];
  let doc: Doc;
  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
    // Company A has a plan with every module, so plan-gated routes (hr, ai) are walked too.
    const plan = await call(app, { method: 'POST', url: `/billing/companies/${w.a.companyId}/subscription`, token: w.platform.token, payload: { tier: 'ENTERPRISE', billingCycle: 'annual', price: '999.00' } });
    expect(plan.statusCode).toBe(201);
    doc = (await call(app, { method: 'GET', url: '/docs-json' })).json() as Doc;
    ops = operations(doc);
  });
  afterAll(async () => {
    await app.close();
  });

  it('covers a real document (the walk is not empty)', () => {
    expect(ops.filter((o) => o.permissions.length).length).toBeGreaterThanOrEqual(15);
  });

  it('answers 401 without a token on every non-public route', async () => {
    const wrong: string[] = [];
    for (const o of ops.filter((x) => x.permissions.length)) {
      const res = await call(app, { method: o.method, url: fill(o.path, () => 'x'), payload: isWrite(o) ? exampleBody(doc, o.op) : undefined });
      if (res.statusCode !== 401) wrong.push(`${o.method} ${o.path}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 403 to a VIEWER on every write route (except their own session and password)', async () => {
    const writes = ops.filter((o) => o.permissions.length && isWrite(o) && !selfService(o));
    expect(writes.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const o of writes) {
      const res = await call(app, { method: o.method, url: fill(o.path, () => w.a.companyId), token: w.a.users.VIEWER.token, payload: exampleBody(doc, o.op) });
      if (res.statusCode !== 403) wrong.push(`${o.method} ${o.path}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 403 to a company user (even its ADMIN) on every platform-administration route', async () => {
    const platform = ops.filter((o) => o.permissions.some(platformOnly));
    expect(platform.length).toBeGreaterThanOrEqual(4);
    const wrong: string[] = [];
    for (const o of platform) {
      const res = await call(app, { method: o.method, url: fill(o.path, () => w.a.companyId), token: w.a.users.ADMIN.token, payload: exampleBody(doc, o.op) });
      if (res.statusCode !== 403) wrong.push(`${o.method} ${o.path}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it("answers 404 (never the object, never 500) to company A using company B's ids on every route with an id", async () => {
    const admin = { userId: w.a.users.ADMIN.id, companyId: w.a.companyId, role: 'ADMIN' as const };
    const withId = ops.filter((o) => o.permissions.length && /\{[^}]+\}/.test(o.path) && (o.op.parameters ?? []).some((p) => p.in === 'path' && ID_PARAM.test(p.name)) && hasPermissions(admin, o.permissions));
    expect(withId.length).toBeGreaterThanOrEqual(5);
    // B's objects: the company itself and its users.
    const bIds = [w.b.companyId, w.b.users.USER.id, w.b.users.ADMIN.id];
    const wrong: string[] = [];
    for (const o of withId) {
      for (const id of bIds) {
        const url = fill(o.path, (p) => (ID_PARAM.test(p) ? id : 'User'));
        const res = await call(app, { method: o.method, url, token: w.a.users.ADMIN.token, payload: isWrite(o) ? exampleBody(doc, o.op) : undefined });
        const leaks = res.body.includes(w.b.users.USER.email) || res.body.includes(w.b.users.ADMIN.email);
        if (res.statusCode !== 404 || leaks) wrong.push(`${o.method} ${url}: ${res.statusCode}${leaks ? ' (leaks B)' : ''}`);
      }
    }
    expect(wrong).toEqual([]);
    // And B's objects were not changed by the attempts.
    const b = await call(app, { method: 'GET', url: `/users/${w.b.users.USER.id}`, token: w.b.users.ADMIN.token });
    expect(b.json()).toMatchObject({ role: 'USER', isActive: true });
  });

  it('documents every operation with a summary', () => {
    const bare = ops.filter((o) => !(o.op as { summary?: string }).summary).map((o) => `${o.method} ${o.path}`);
    expect(bare).toEqual([]);
  });
});
