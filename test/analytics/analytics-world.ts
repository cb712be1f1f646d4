import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import type { AppConfig } from '@maple/platform';
import type { TestDatabase } from '../support/databases';
import { buildWorld, call } from '../security/world';
import type { World } from '../security/world';

// The analytics suites' world: the security world (two companies, one user per role), company A
// on PROFESSIONAL and B on TRIAL (60 requests or events a minute), both with the analytics module.

export async function startApi(
  t: TestDatabase,
  config: AppConfig = t.config,
): Promise<NestFastifyApplication> {
  const app = await createApi({ config, database: t.db, ownsDatabase: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export async function buildAnalyticsWorld(app: NestFastifyApplication): Promise<World> {
  const w = await buildWorld(app);
  for (const [c, tier] of [
    [w.a.companyId, 'PROFESSIONAL'],
    [w.b.companyId, 'TRIAL'],
  ] as const) {
    const plan = await call(app, {
      method: 'POST',
      url: `/billing/companies/${c}/subscription`,
      token: w.platform.token,
      payload: { tier, billingCycle: 'monthly', price: '49.00' },
    });
    if (plan.statusCode !== 201) throw new Error(`subscription: ${plan.statusCode} ${plan.body}`);
  }
  return w;
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DAY_MS = 86_400_000;
export const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/** A track call; `i` makes its messageId unique within a test. */
export const track = (tag: string, i: number, over: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  userId: `u-${i % 7}`,
  messageId: `${tag}-${i}`,
  properties: { plan: i % 2 ? 'pro' : 'free' },
  ...over,
});
