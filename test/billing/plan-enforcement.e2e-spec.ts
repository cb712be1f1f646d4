import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, buildWorld, call } from '../security/world';
import type { World } from '../security/world';

// Billing as clients and platform admins meet it: through the HTTP API of the whole application,
// with every context wired in (so the seat limit is enforced on identity's own user commands).
describeEachDatabase('billing: plans enforced across the product (HTTP)', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  let co: string;
  const sub = (path = '') => `/billing/companies/${co}/subscription${path}`;
  const admin = () => w.platform.token;

  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
    co = w.a.companyId;
  });
  afterAll(async () => {
    await app.close();
  });

  it('round-trips the price 19.99 exactly through the API and the database', async () => {
    const res = await call(app, {
      method: 'POST',
      url: sub(),
      token: admin(),
      payload: { tier: 'STARTER', billingCycle: 'monthly', price: '19.99' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).toContain('"price":"19.99"');
    const [row] = await ctx().superuser(
      `SELECT price::text AS price FROM "Subscription" WHERE "companyId" = $1`,
      [co],
    );
    expect(row.price).toBe('19.99');
    const mine = await call(app, {
      method: 'GET',
      url: '/billing/subscription',
      token: w.a.users.ADMIN.token,
    });
    expect(mine.json()).toMatchObject({ tier: 'STARTER', price: '19.99', usage: { seatsUsed: 6 } });
  });

  it('answers 403 BILLING.FEATURE_NOT_IN_PLAN to a STARTER company on an AI route, and lets it in after the upgrade event', async () => {
    const before = await call(app, { method: 'GET', url: '/ai/models', token: w.a.users.ANALYST.token });
    expect(before.statusCode).toBe(403);
    expect(before.headers['content-type']).toContain('application/problem+json');
    expect(before.json()).toMatchObject({ code: 'BILLING.FEATURE_NOT_IN_PLAN' });
    const up = await call(app, {
      method: 'POST',
      url: sub('/tier'),
      token: admin(),
      payload: { tier: 'PROFESSIONAL', price: '99.00' },
    });
    expect(up.statusCode).toBe(200);
    const after = await call(app, { method: 'GET', url: '/ai/models', token: w.a.users.ANALYST.token });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ items: [] });
  });

  it('refuses the user beyond the seat limit and writes nothing; deactivating one frees a seat', async () => {
    const seats = await call(app, {
      method: 'POST',
      url: sub('/features'),
      token: admin(),
      payload: { features: { seats: 6 } },
    });
    expect(seats.statusCode).toBe(200);
    const eventsBefore = await ctx().superuser(`SELECT count(*)::int AS n FROM events`);
    const extra = { email: 'seventh@acme.test', role: 'USER', password: PASSWORD, name: 'Seventh' };
    const refused = await call(app, {
      method: 'POST',
      url: '/users',
      token: w.a.users.ADMIN.token,
      payload: extra,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'BILLING.SEAT_LIMIT_REACHED', seats: 6, used: 6 });
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM events`)).toEqual(eventsBefore);
    expect(await ctx().superuser(`SELECT id FROM "User" WHERE email = $1`, [extra.email])).toEqual([]);

    const off = await call(app, {
      method: 'POST',
      url: `/users/${w.a.users.USER.id}/deactivate`,
      token: w.a.users.ADMIN.token,
    });
    expect(off.statusCode).toBe(200);
    const created = await call(app, {
      method: 'POST',
      url: '/users',
      token: w.a.users.ADMIN.token,
      payload: extra,
    });
    expect(created.statusCode).toBe(201);
    const [linked] = await ctx().superuser(`SELECT "subscriptionId" FROM "User" WHERE email = $1`, [
      extra.email,
    ]);
    expect(linked.subscriptionId).toBe(`sub_${co}`);
    // Reactivating the first user would take a seventh seat: refused as well.
    const back = await call(app, {
      method: 'POST',
      url: `/users/${w.a.users.USER.id}/reactivate`,
      token: w.a.users.ADMIN.token,
    });
    expect(back.statusCode).toBe(409);
    expect(back.json().code).toBe('BILLING.SEAT_LIMIT_REACHED');
  });

  it('lets a suspended company read but not write, and restores writes on reactivation; company B is untouched', async () => {
    const record = {
      type: 'AML',
      data: {
        counterparty: 'Globex GmbH',
        amount: '1200.00',
        currency: 'EUR',
        country: 'DE',
        channel: 'wire',
      },
    };
    expect(
      (
        await call(app, {
          method: 'POST',
          url: sub('/suspend'),
          token: admin(),
          payload: { reason: 'Invoice 2026-11 unpaid' },
        })
      ).statusCode,
    ).toBe(200);
    const write = await call(app, {
      method: 'POST',
      url: '/compliance/records',
      token: w.a.users.COMPLIANCE_OFFICER.token,
      payload: record,
    });
    expect(write.statusCode).toBe(403);
    expect(write.json().code).toBe('BILLING.SUBSCRIPTION_SUSPENDED');
    expect(
      (
        await call(app, {
          method: 'GET',
          url: '/compliance/records',
          token: w.a.users.COMPLIANCE_OFFICER.token,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await call(app, { method: 'GET', url: '/me', token: w.a.users.COMPLIANCE_OFFICER.token })).statusCode,
    ).toBe(200);
    const other = await call(app, {
      method: 'POST',
      url: '/compliance/records',
      token: w.b.users.COMPLIANCE_OFFICER.token,
      payload: record,
    });
    expect(other.statusCode).toBe(201);

    expect((await call(app, { method: 'POST', url: sub('/reactivate'), token: admin() })).statusCode).toBe(
      200,
    );
    const again = await call(app, {
      method: 'POST',
      url: '/compliance/records',
      token: w.a.users.COMPLIANCE_OFFICER.token,
      payload: record,
    });
    expect(again.statusCode).toBe(201);
  });

  it('leaves an audit row for every lifecycle transition, with who did it and exactly what changed', async () => {
    type Row = {
      action: string;
      userId: string;
      changes: { before: Record<string, unknown>; after: Record<string, unknown> };
    };
    const rows = (await ctx().superuser(
      `SELECT action, "userId", changes FROM "AuditLog" WHERE "entityType" = 'Subscription' AND "entityId" = $1 ORDER BY timestamp, id`,
      [`subscription-${co}`],
    )) as Row[];
    expect(rows.map((r) => r.action)).toEqual(['CREATE', 'UPDATE', 'UPDATE', 'UPDATE', 'UPDATE']);
    expect(rows.every((r) => r.userId === w.platform.id)).toBe(true);
    expect(rows[0].changes.after).toMatchObject({
      tier: 'STARTER',
      price: '19.99',
      status: 'active',
      billingCycle: 'monthly',
    });
    expect(rows[1].changes).toEqual({
      before: { tier: 'STARTER', price: '19.99' },
      after: { tier: 'PROFESSIONAL', price: '99.00' },
    });
    expect(rows[2].changes).toEqual({ before: { features: null }, after: { features: { seats: 6 } } });
    expect(rows[3].changes).toEqual({
      before: { status: 'active' },
      after: { status: 'suspended', statusReason: 'Invoice 2026-11 unpaid' },
    });
    expect(rows[4].changes).toEqual({
      before: { status: 'suspended', statusReason: 'Invoice 2026-11 unpaid' },
      after: { status: 'active', statusReason: null },
    });
  });

  it('refuses an unknown feature and a three-decimal price with 400, writing nothing', async () => {
    const before = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [
      `subscription-${co}`,
    ]);
    const unknown = await call(app, {
      method: 'POST',
      url: sub('/features'),
      token: admin(),
      payload: { features: { teleport: true } },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('BILLING.FEATURES_INVALID');
    const price = await call(app, {
      method: 'POST',
      url: sub('/tier'),
      token: admin(),
      payload: { tier: 'ENTERPRISE', price: '10.999' },
    });
    expect(price.statusCode).toBe(400);
    expect(
      await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [
        `subscription-${co}`,
      ]),
    ).toEqual(before);
  });

  it("limits each company's API requests per minute by its plan, without touching other companies", async () => {
    const b = w.b.companyId;
    const started = await call(app, {
      method: 'POST',
      url: `/billing/companies/${b}/subscription`,
      token: admin(),
      payload: {
        tier: 'ENTERPRISE',
        billingCycle: 'annual',
        price: '9999.00',
        features: { apiRequestsPerMinute: 20 },
      },
    });
    expect(started.statusCode).toBe(201);
    const statuses: number[] = [];
    let limited: { statusCode: number; json(): Record<string, unknown> } | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await call(app, {
        method: 'GET',
        url: '/compliance/records',
        token: w.b.users.ANALYST.token,
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) limited = res;
    }
    expect(limited?.json()).toMatchObject({ status: 429, code: 'BILLING.RATE_LIMITED' });
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
    expect(
      (await call(app, { method: 'GET', url: '/compliance/records', token: w.a.users.ANALYST.token }))
        .statusCode,
    ).toBe(200);
  });
});
