import { CommandRunner, EventStore, ProjectionRegistry, commandMeta } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { EntitlementsService, SubscriptionCommands, subscriptionProjection } from '@maple/billing';
import { CompanyQueries } from '@maple/tenancy';
import { describeEachDatabase } from '../support/databases';
import type { TestDatabase } from '../support/databases';

let companies = 0;
async function newCompany(t: TestDatabase, activeUsers = 0): Promise<string> {
  const id = `co-billing-${++companies}-${Date.now()}`;
  await t.superuser(`INSERT INTO "Company" (id, name, "updatedAt") VALUES ($1, $2, now())`, [id, `Company ${companies}`]);
  for (let i = 0; i < activeUsers; i++) {
    await t.superuser(`INSERT INTO "User" (id, email, password, "companyId", "updatedAt") VALUES ($1, $2, 'x', $3, now())`, [`${id}-u${i}`, `${id}-u${i}@example.com`, id]);
  }
  return id;
}

describeEachDatabase('billing: subscription lifecycle', (ctx) => {
  let commands: SubscriptionCommands;
  let entitlements: EntitlementsService;
  const meta = (companyId: string, now = new Date()): CommandMeta => commandMeta({ actorId: 'platform-admin', companyId, ip: '10.0.0.9', userAgent: 'jest' }, now);

  beforeAll(() => {
    const registry = new ProjectionRegistry();
    registry.registerInline(subscriptionProjection);
    const runner = new CommandRunner(ctx().db, new EventStore(), registry);
    entitlements = new EntitlementsService(ctx().db);
    commands = new SubscriptionCommands(runner, ctx().db, entitlements, 14, new CompanyQueries(ctx().db));
  });

  it('stores the price 19.99 exactly and projects the subscription', async () => {
    const co = await newCompany(ctx());
    await commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '19.99' }, meta(co));
    const [row] = await ctx().superuser(`SELECT price::text AS price, tier::text AS tier, status FROM "Subscription" WHERE "companyId" = $1`, [co]);
    expect(row).toEqual({ price: '19.99', tier: 'STARTER', status: 'active' });
    const plan = await entitlements.planOf(co);
    expect(plan).toMatchObject({ tier: 'STARTER', status: 'active', entitlements: { seats: 10, modules: { hr: true, ai: false } } });
  });

  it('grants a module only after the upgrade event, with nothing restarted', async () => {
    const co = await newCompany(ctx(), 2);
    await commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '19.99' }, meta(co));
    await expect(entitlements.assertModule(co, 'ai')).rejects.toMatchObject({ code: 'BILLING.FEATURE_NOT_IN_PLAN' });
    await commands.changeTier(co, { tier: 'PROFESSIONAL', price: '99.00' }, meta(co));
    await expect(entitlements.assertModule(co, 'ai')).resolves.toBeUndefined();
  });

  it('refuses a downgrade over the seat limit with the limit named, and writes nothing', async () => {
    const co = await newCompany(ctx(), 12);
    await commands.start(co, { tier: 'PROFESSIONAL', billingCycle: 'annual', price: '990.00' }, meta(co));
    await expect(commands.changeTier(co, { tier: 'STARTER', price: '19.99' }, meta(co))).rejects.toMatchObject({ code: 'BILLING.DOWNGRADE_OVER_LIMIT', details: { limit: 'seats', used: 12, allowed: 10 } });
    const events = await ctx().superuser(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [`subscription-${co}`]);
    expect(events.map((e) => e.type)).toEqual(['SubscriptionStarted']);
  });

  it('enforces seats: with N seats the (N+1)th user is refused; deactivating one frees a seat', async () => {
    const co = await newCompany(ctx(), 0);
    await commands.start(co, { tier: 'TRIAL', billingCycle: 'monthly', price: '0', features: { seats: 3 } }, meta(co));
    const addUser = (i: number) =>
      ctx().db.transaction(async (tx) => {
        await entitlements.assertSeatAvailable(tx, co);
        await tx.execute(`INSERT INTO "User" (id, email, password, "companyId", "updatedAt") VALUES ($1, $2, 'x', $3, now())`, `${co}-s${i}`, `${co}-s${i}@example.com`, co);
      }, { allCompanies: true });
    await addUser(1);
    await addUser(2);
    await addUser(3);
    await expect(addUser(4)).rejects.toMatchObject({ code: 'BILLING.SEAT_LIMIT_REACHED' });
    expect(await entitlements.seatsUsed(co)).toBe(3);
    await ctx().superuser(`UPDATE "User" SET "isActive" = false WHERE id = $1`, [`${co}-s1`]);
    await expect(addUser(4)).resolves.toBeUndefined();
  });

  it('a suspended company can read but not write; reactivation restores writes', async () => {
    const co = await newCompany(ctx());
    await commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '19.99' }, meta(co));
    await commands.suspend(co, 'unpaid invoice', meta(co));
    await expect(entitlements.assertWritable(co)).rejects.toMatchObject({ code: 'BILLING.SUBSCRIPTION_SUSPENDED' });
    expect(await entitlements.planOf(co)).toMatchObject({ status: 'suspended' });
    await commands.reactivate(co, meta(co));
    await expect(entitlements.assertWritable(co)).resolves.toBeUndefined();
  });

  it('expires ended trials from the sweep, idempotently when run twice', async () => {
    const co = await newCompany(ctx());
    const start = new Date('2026-01-01T00:00:00.000Z');
    await commands.start(co, { tier: 'TRIAL', billingCycle: 'monthly', price: '0' }, meta(co, start));
    const later = new Date('2026-01-20T00:00:00.000Z');
    const first = await commands.expireDue(meta(co, later));
    expect(first.find((r) => r.companyId === co)?.events).toEqual(['SubscriptionTrialExpired']);
    const second = await commands.expireDue(meta(co, later));
    expect(second.find((r) => r.companyId === co)?.events ?? []).toEqual([]);
    expect(await entitlements.planOf(co)).toMatchObject({ status: 'suspended' });
    const types = await ctx().superuser(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [`subscription-${co}`]);
    expect(types.map((e) => e.type)).toEqual(['SubscriptionStarted', 'SubscriptionTrialExpired']);
  });

  it('refuses to reactivate a cancelled subscription after its end', async () => {
    const co = await newCompany(ctx());
    const t0 = new Date('2026-01-01T00:00:00.000Z');
    await commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '19.99' }, meta(co, t0));
    await commands.cancel(co, 'switching vendor', meta(co, new Date('2026-01-15T00:00:00.000Z')));
    await commands.expireDue(meta(co, new Date('2026-02-02T00:00:00.000Z')));
    expect(await entitlements.planOf(co)).toMatchObject({ status: 'cancelled' });
    await expect(commands.reactivate(co, meta(co))).rejects.toMatchObject({ code: 'BILLING.TRANSITION_NOT_ALLOWED' });
  });

  it('rejects a three-decimal or negative price and unknown features, writing nothing', async () => {
    const co = await newCompany(ctx());
    await expect(commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '19.999' }, meta(co))).rejects.toMatchObject({ code: 'BILLING.PRICE_INVALID' });
    await expect(commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '-5' }, meta(co))).rejects.toMatchObject({ code: 'BILLING.PRICE_INVALID' });
    await expect(commands.start(co, { tier: 'STARTER', billingCycle: 'monthly', price: '5', features: { unlimitedEverything: true } }, meta(co))).rejects.toMatchObject({ code: 'BILLING.FEATURES_INVALID' });
    expect(await ctx().superuser(`SELECT 1 FROM events WHERE stream_id = $1`, [`subscription-${co}`])).toEqual([]);
  });
});
