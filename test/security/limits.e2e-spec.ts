import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { buildWorld, call } from './world';
import type { World } from './world';

// Every 429 says when to come back: the per-ip limit, the sign-in throttle and the plan's
// per-company limit each answer with a Retry-After header of whole seconds.

const retryAfter = (res: { headers: Record<string, unknown> }) => Number(res.headers['retry-after']);

describeEachDatabase(
  'security: every 429 carries Retry-After',
  (ctx) => {
    let app: NestFastifyApplication;
    let w: World;
    beforeAll(async () => {
      app = await startTestApi(ctx());
      w = await buildWorld(app, 'limits');
    });
    afterAll(async () => {
      await app.close();
    });

    it('the sign-in throttle (failed sign-ins per address)', async () => {
      let res = await call(app, { method: 'POST', url: '/auth/login', payload: { email: 'nobody@acme.test', password: 'wrong-password-123' } });
      for (let i = 0; i < 3 && res.statusCode !== 429; i++) res = await call(app, { method: 'POST', url: '/auth/login', payload: { email: 'nobody@acme.test', password: 'wrong-password-123' } });
      expect({ status: res.statusCode, code: res.json().code }).toEqual({ status: 429, code: 'IDENTITY.RATE_LIMITED' });
      expect(retryAfter(res)).toBeGreaterThanOrEqual(1);
      expect(retryAfter(res)).toBeLessThanOrEqual(900);
    });

    it("the plan's requests per minute", async () => {
      const start = await call(app, { method: 'POST', url: `/billing/companies/${w.b.companyId}/subscription`, token: w.platform.token, payload: { tier: 'STARTER', billingCycle: 'monthly', price: '19.99', features: { apiRequestsPerMinute: 2 } } });
      expect(start.statusCode).toBe(201);
      // The minute's count includes the requests that built the world, so the limit may already be reached.
      let res = await call(app, { method: 'GET', url: '/billing/subscription', token: w.b.users.ADMIN.token });
      for (let i = 0; i < 3 && res.statusCode !== 429; i++) res = await call(app, { method: 'GET', url: '/billing/subscription', token: w.b.users.ADMIN.token });
      expect({ status: res.statusCode, code: res.json().code }).toEqual({ status: 429, code: 'BILLING.RATE_LIMITED' });
      expect(retryAfter(res)).toBeGreaterThanOrEqual(1);
      expect(retryAfter(res)).toBeLessThanOrEqual(60);
    });

    it('the per-ip limit on all routes', async () => {
      const limited = await startTestApi(ctx(), { ...ctx().config, auth: { ...ctx().config.auth, rateLimitPerMinute: 2 } });
      try {
        const statuses = [];
        let last;
        for (let i = 0; i < 3; i++) statuses.push((last = await limited.inject({ method: 'GET', url: '/audit/public-key' })).statusCode);
        expect(statuses).toEqual([200, 200, 429]);
        expect(last?.json().code).toBe('RATE_LIMITED');
        expect(retryAfter(last as { headers: Record<string, unknown> })).toBeGreaterThanOrEqual(1);
      } finally {
        await limited.close();
      }
    });
  },
  // Three failures in a row from one address are enough to see the throttle answer.
  { LOGIN_IP_FAILURE_LIMIT: '3' },
);
