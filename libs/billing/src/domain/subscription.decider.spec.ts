import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { subscriptionDecider as d } from './subscription.decider';
import type { SubscriptionEvent } from './subscription.events';

const T0 = new Date('2026-01-10T00:00:00.000Z');
const meta = (now = T0): CommandMeta => ({
  commandId: 'c',
  now,
  actorId: 'admin',
  companyId: null,
  correlationId: 'r',
});
const at = (iso: string) => meta(new Date(iso));

const started = (
  tier: 'TRIAL' | 'STARTER' | 'PROFESSIONAL' | 'ENTERPRISE' = 'STARTER',
  endDate: string | null = null,
): SubscriptionEvent => ({
  type: 'SubscriptionStarted',
  data: {
    subscriptionId: 'sub-1',
    companyId: 'co-1',
    tier,
    billingCycle: 'monthly',
    price: '19.99',
    startDate: T0.toISOString(),
    endDate,
    features: null,
  },
});
const trial = started('TRIAL', '2026-01-24T00:00:00.000Z');

describe('subscription decider', () => {
  it('starts a trial of a fixed length', () => {
    given(d)
      .when({
        type: 'StartSubscription',
        subscriptionId: 'sub-1',
        companyId: 'co-1',
        tier: 'TRIAL',
        billingCycle: 'monthly',
        price: '0',
        trialDays: 14,
        meta: meta(),
      })
      .then([
        {
          type: 'SubscriptionStarted',
          data: {
            subscriptionId: 'sub-1',
            companyId: 'co-1',
            tier: 'TRIAL',
            billingCycle: 'monthly',
            price: '0.00',
            startDate: T0.toISOString(),
            endDate: '2026-01-24T00:00:00.000Z',
            features: null,
          },
        },
      ]);
  });

  it('refuses a second subscription, a negative price and a three-decimal price', () => {
    const start = (price: string) => ({
      type: 'StartSubscription' as const,
      subscriptionId: 's',
      companyId: 'co-1',
      tier: 'STARTER' as const,
      billingCycle: 'monthly' as const,
      price,
      trialDays: 14,
      meta: meta(),
    });
    given(d, [started()]).when(start('10')).thenThrows('BILLING.SUBSCRIPTION_ALREADY_EXISTS');
    given(d).when(start('-1.00')).thenThrows('BILLING.PRICE_INVALID');
    given(d).when(start('19.999')).thenThrows('BILLING.PRICE_INVALID');
    given(d).when(start('abc')).thenThrows('BILLING.PRICE_INVALID');
  });

  it('validates features: unknown feature or wrong type is refused', () => {
    const start = (features: unknown) => ({
      type: 'StartSubscription' as const,
      subscriptionId: 's',
      companyId: 'co-1',
      tier: 'ENTERPRISE' as const,
      billingCycle: 'annual' as const,
      price: '999.00',
      features,
      trialDays: 14,
      meta: meta(),
    });
    given(d)
      .when(start({ teleport: true }))
      .thenThrows('BILLING.FEATURES_INVALID');
    given(d)
      .when(start({ seats: '10' }))
      .thenThrows('BILLING.FEATURES_INVALID');
    given(d)
      .when(start({ modules: { quantum: true } }))
      .thenThrows('BILLING.FEATURES_INVALID');
    expect(
      given(d)
        .when(start({ seats: 2500, modules: { ai: true } }))
        .state().features,
    ).toEqual({ seats: 2500, modules: { ai: true } });
  });

  it('upgrades now, and refuses a downgrade that would leave the company over its seat limit', () => {
    given(d, [started('PROFESSIONAL')])
      .when({
        type: 'ChangeTier',
        tier: 'ENTERPRISE',
        price: '499.00',
        usage: { activeUsers: 30 },
        meta: at('2026-02-01T00:00:00.000Z'),
      })
      .then([
        {
          type: 'SubscriptionTierChanged',
          data: {
            from: 'PROFESSIONAL',
            to: 'ENTERPRISE',
            direction: 'upgrade',
            price: '499.00',
            effectiveAt: '2026-02-01T00:00:00.000Z',
            endDate: null,
          },
        },
      ]);
    given(d, [started('PROFESSIONAL')])
      .when({ type: 'ChangeTier', tier: 'STARTER', price: '19.99', usage: { activeUsers: 11 }, meta: meta() })
      .thenThrows('BILLING.DOWNGRADE_OVER_LIMIT');
    given(d, [started('PROFESSIONAL')])
      .when({ type: 'ChangeTier', tier: 'STARTER', price: '19.99', usage: { activeUsers: 10 }, meta: meta() })
      .then([
        {
          type: 'SubscriptionTierChanged',
          data: {
            from: 'PROFESSIONAL',
            to: 'STARTER',
            direction: 'downgrade',
            price: '19.99',
            effectiveAt: T0.toISOString(),
            endDate: null,
          },
        },
      ]);
    given(d, [started('STARTER')])
      .when({ type: 'ChangeTier', tier: 'STARTER', price: '19.99', usage: { activeUsers: 1 }, meta: meta() })
      .thenThrows('BILLING.TRANSITION_NOT_ALLOWED');
  });

  it('changes the billing cycle of an active subscription only', () => {
    given(d, [started()])
      .when({ type: 'ChangeBillingCycle', billingCycle: 'annual', price: '199.00', meta: meta() })
      .then([
        {
          type: 'SubscriptionBillingCycleChanged',
          data: { from: 'monthly', to: 'annual', price: '199.00', effectiveAt: T0.toISOString() },
        },
      ]);
    given(d, [started(), { type: 'SubscriptionSuspended', data: { reason: 'unpaid', at: '' } }])
      .when({ type: 'ChangeBillingCycle', billingCycle: 'annual', price: '1', meta: meta() })
      .thenThrows('BILLING.TRANSITION_NOT_ALLOWED');
  });

  it('suspends and reactivates', () => {
    given(d, [started()])
      .when({ type: 'SuspendSubscription', reason: 'unpaid invoice', meta: meta() })
      .then([{ type: 'SubscriptionSuspended', data: { reason: 'unpaid invoice', at: T0.toISOString() } }]);
    given(d, [started(), { type: 'SubscriptionSuspended', data: { reason: 'unpaid', at: '' } }])
      .when({ type: 'ReactivateSubscription', meta: meta() })
      .then([{ type: 'SubscriptionReactivated', data: { at: T0.toISOString() } }]);
    given(d, [started()])
      .when({ type: 'ReactivateSubscription', meta: meta() })
      .thenThrows('BILLING.TRANSITION_NOT_ALLOWED');
  });

  it('cancels at the end of the current period, and refuses to reactivate after that end', () => {
    const cancelled = given(d, [started()]).when({
      type: 'CancelSubscription',
      reason: 'moving on',
      meta: at('2026-03-15T00:00:00.000Z'),
    });
    cancelled.then([
      {
        type: 'SubscriptionCancellationScheduled',
        data: { reason: 'moving on', effectiveAt: '2026-04-10T00:00:00.000Z' },
      },
    ]);
    const scheduled: SubscriptionEvent = {
      type: 'SubscriptionCancellationScheduled',
      data: { reason: 'x', effectiveAt: '2026-04-10T00:00:00.000Z' },
    };
    // Before the end, reactivating withdraws the cancellation.
    given(d, [started(), scheduled])
      .when({ type: 'ReactivateSubscription', meta: at('2026-04-01T00:00:00.000Z') })
      .then([{ type: 'SubscriptionCancellationWithdrawn', data: { at: '2026-04-01T00:00:00.000Z' } }]);
    given(d, [started(), scheduled])
      .when({ type: 'ExpireSubscription', meta: at('2026-04-09T23:59:59.000Z') })
      .then([]);
    given(d, [started(), scheduled])
      .when({ type: 'ExpireSubscription', meta: at('2026-04-10T00:00:00.000Z') })
      .then([{ type: 'SubscriptionCancelled', data: { at: '2026-04-10T00:00:00.000Z' } }]);
    const ended: SubscriptionEvent = {
      type: 'SubscriptionCancelled',
      data: { at: '2026-04-10T00:00:00.000Z' },
    };
    given(d, [started(), scheduled, ended])
      .when({ type: 'ReactivateSubscription', meta: at('2026-05-01T00:00:00.000Z') })
      .thenThrows('BILLING.TRANSITION_NOT_ALLOWED');
    // Expiry run twice decides nothing the second time.
    given(d, [started(), scheduled, ended])
      .when({ type: 'ExpireSubscription', meta: at('2026-05-01T00:00:00.000Z') })
      .then([]);
  });

  it('expires an ended trial to suspended; an upgrade brings it back', () => {
    given(d, [trial])
      .when({ type: 'ExpireSubscription', meta: at('2026-01-23T00:00:00.000Z') })
      .then([]);
    given(d, [trial])
      .when({ type: 'ExpireSubscription', meta: at('2026-01-24T00:00:00.000Z') })
      .then([{ type: 'SubscriptionTrialExpired', data: { at: '2026-01-24T00:00:00.000Z' } }]);
    const expired: SubscriptionEvent = {
      type: 'SubscriptionTrialExpired',
      data: { at: '2026-01-24T00:00:00.000Z' },
    };
    given(d, [trial, expired])
      .when({ type: 'ExpireSubscription', meta: at('2026-02-01T00:00:00.000Z') })
      .then([]);
    given(d, [trial, expired])
      .when({ type: 'ReactivateSubscription', meta: meta() })
      .thenThrows('BILLING.TRANSITION_NOT_ALLOWED');
    const upgraded = given(d, [trial, expired]).when({
      type: 'ChangeTier',
      tier: 'STARTER',
      price: '19.99',
      usage: { activeUsers: 2 },
      meta: at('2026-02-01T00:00:00.000Z'),
    });
    expect(upgraded.state()).toMatchObject({ tier: 'STARTER', status: 'active', endDate: null });
  });

  it('needs a subscription for everything but starting one', () => {
    given(d)
      .when({ type: 'SuspendSubscription', reason: 'x', meta: meta() })
      .thenThrows('BILLING.SUBSCRIPTION_NOT_FOUND');
  });
});
