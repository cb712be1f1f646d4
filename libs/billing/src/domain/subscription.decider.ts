import type { Command, Decider } from '@maple/platform';
import { BillingError } from './billing.errors';
import { TIER_RANK, resolveEntitlements, validateFeatures } from './entitlements';
import type { FeatureOverrides, Tier } from './entitlements';
import { parsePrice } from './price';
import type { BillingCycle, SubscriptionEvent, SubscriptionStatus } from './subscription.events';

export type SubscriptionState = {
  exists: boolean;
  subscriptionId: string | null;
  companyId: string | null;
  tier: Tier;
  status: SubscriptionStatus;
  billingCycle: BillingCycle;
  price: string;
  startDate: string | null;
  endDate: string | null;
  cancelAtPeriodEnd: boolean;
  suspendedReason: string | null;
  features: FeatureOverrides | null;
};

/** What the company uses now; read by the handler, passed in so the decider stays pure. */
export type Usage = { activeUsers: number };

export type SubscriptionCommand =
  | (Command<'StartSubscription'> & {
      subscriptionId: string;
      companyId: string;
      tier: Tier;
      billingCycle: BillingCycle;
      price: string;
      features?: unknown;
      trialDays: number;
    })
  | (Command<'ChangeTier'> & { tier: Tier; price: string; usage: Usage })
  | (Command<'ChangeBillingCycle'> & { billingCycle: BillingCycle; price: string })
  | (Command<'OverrideFeatures'> & { features: unknown; usage: Usage })
  | (Command<'SuspendSubscription'> & { reason: string })
  | Command<'ReactivateSubscription'>
  | (Command<'CancelSubscription'> & { reason: string })
  | Command<'ExpireSubscription'>;

export const initialSubscription: SubscriptionState = {
  exists: false,
  subscriptionId: null,
  companyId: null,
  tier: 'TRIAL',
  status: 'active',
  billingCycle: 'monthly',
  price: '0.00',
  startDate: null,
  endDate: null,
  cancelAtPeriodEnd: false,
  suspendedReason: null,
  features: null,
};

const refuse = (message: string, details: Record<string, unknown> = {}) =>
  new BillingError('BILLING.TRANSITION_NOT_ALLOWED', message, details);

/** The end of the billing period that contains `now` (periods start on startDate). */
export function periodEnd(startDate: string, cycle: BillingCycle, now: Date): string {
  const d = new Date(startDate);
  const step = (x: Date) =>
    cycle === 'monthly' ? x.setUTCMonth(x.getUTCMonth() + 1) : x.setUTCFullYear(x.getUTCFullYear() + 1);
  while (d.getTime() <= now.getTime()) step(d);
  return d.toISOString();
}

// A downgrade (or a features change) may not leave the company using more than it grants.
function assertWithinLimits(tier: Tier, features: FeatureOverrides | null, usage: Usage): void {
  const allowed = resolveEntitlements(tier, features).seats;
  if (usage.activeUsers > allowed) {
    throw new BillingError(
      'BILLING.DOWNGRADE_OVER_LIMIT',
      `The company has ${usage.activeUsers} active users; ${tier} allows ${allowed} seats. Deactivate users first.`,
      {
        limit: 'seats',
        used: usage.activeUsers,
        allowed,
      },
    );
  }
}

function decide(cmd: SubscriptionCommand, s: SubscriptionState): SubscriptionEvent[] {
  const now = cmd.meta.now;
  const at = now.toISOString();
  if (cmd.type !== 'StartSubscription' && !s.exists)
    throw new BillingError('BILLING.SUBSCRIPTION_NOT_FOUND', 'The company has no subscription.');
  switch (cmd.type) {
    case 'StartSubscription': {
      if (s.exists)
        throw new BillingError(
          'BILLING.SUBSCRIPTION_ALREADY_EXISTS',
          'The company already has a subscription.',
        );
      const features =
        cmd.features === undefined || cmd.features === null ? null : validateFeatures(cmd.features);
      // A trial has a fixed length; paid plans run by billing period until cancelled.
      const endDate =
        cmd.tier === 'TRIAL' ? new Date(now.getTime() + cmd.trialDays * 86_400_000).toISOString() : null;
      return [
        {
          type: 'SubscriptionStarted',
          data: {
            subscriptionId: cmd.subscriptionId,
            companyId: cmd.companyId,
            tier: cmd.tier,
            billingCycle: cmd.billingCycle,
            price: parsePrice(cmd.price),
            startDate: at,
            endDate,
            features,
          },
        },
      ];
    }
    case 'ChangeTier': {
      if (s.status === 'cancelled') throw refuse('A cancelled subscription cannot change tier.');
      // An expired trial is suspended until the company picks a paid tier.
      if (s.status === 'suspended' && s.suspendedReason !== 'trial_expired')
        throw refuse('A suspended subscription must be reactivated first.');
      if (cmd.tier === s.tier) throw refuse(`The subscription is already ${s.tier}.`);
      const direction = TIER_RANK[cmd.tier] > TIER_RANK[s.tier] ? 'upgrade' : 'downgrade';
      if (direction === 'downgrade') assertWithinLimits(cmd.tier, s.features, cmd.usage);
      const endDate = cmd.tier === 'TRIAL' ? s.endDate : null;
      const events: SubscriptionEvent[] = [
        {
          type: 'SubscriptionTierChanged',
          data: {
            from: s.tier,
            to: cmd.tier,
            direction,
            price: parsePrice(cmd.price),
            effectiveAt: at,
            endDate,
          },
        },
      ];
      if (s.status === 'suspended') events.push({ type: 'SubscriptionReactivated', data: { at } });
      return events;
    }
    case 'ChangeBillingCycle':
      if (s.status !== 'active') throw refuse('Only an active subscription can change its billing cycle.');
      if (cmd.billingCycle === s.billingCycle)
        throw refuse(`The billing cycle is already ${s.billingCycle}.`);
      return [
        {
          type: 'SubscriptionBillingCycleChanged',
          data: { from: s.billingCycle, to: cmd.billingCycle, price: parsePrice(cmd.price), effectiveAt: at },
        },
      ];
    case 'OverrideFeatures': {
      const features = cmd.features === null ? null : validateFeatures(cmd.features);
      assertWithinLimits(s.tier, features, cmd.usage);
      return [{ type: 'SubscriptionFeaturesOverridden', data: { features } }];
    }
    case 'SuspendSubscription':
      if (s.status !== 'active') throw refuse(`A ${s.status} subscription cannot be suspended.`);
      return [{ type: 'SubscriptionSuspended', data: { reason: cmd.reason, at } }];
    case 'ReactivateSubscription':
      if (s.status === 'cancelled')
        throw refuse('A cancelled subscription cannot be reactivated after its end; start a new one.');
      if (s.status === 'active' && s.cancelAtPeriodEnd)
        return [{ type: 'SubscriptionCancellationWithdrawn', data: { at } }];
      if (s.status !== 'suspended') throw refuse('The subscription is already active.');
      if (s.suspendedReason === 'trial_expired')
        throw refuse('The trial has ended: choose a paid tier to continue.');
      return [{ type: 'SubscriptionReactivated', data: { at } }];
    case 'CancelSubscription': {
      if (s.status === 'cancelled' || s.cancelAtPeriodEnd)
        throw refuse('The subscription is already cancelled.');
      // Cancellation takes effect at the end of the period already paid for (or of the trial).
      const effectiveAt =
        s.tier === 'TRIAL' && s.endDate ? s.endDate : periodEnd(s.startDate ?? at, s.billingCycle, now);
      return [{ type: 'SubscriptionCancellationScheduled', data: { reason: cmd.reason, effectiveAt } }];
    }
    case 'ExpireSubscription':
      // Run by the worker; deciding nothing when there is nothing due makes it idempotent.
      if (s.status === 'cancelled' || !s.endDate || new Date(s.endDate).getTime() > now.getTime()) return [];
      if (s.cancelAtPeriodEnd) return [{ type: 'SubscriptionCancelled', data: { at } }];
      if (s.tier === 'TRIAL' && s.status === 'active')
        return [{ type: 'SubscriptionTrialExpired', data: { at } }];
      return [];
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

function evolve(s: SubscriptionState, e: SubscriptionEvent): SubscriptionState {
  switch (e.type) {
    case 'SubscriptionStarted':
      return { ...s, exists: true, ...e.data, status: 'active' };
    case 'SubscriptionTierChanged':
      return {
        ...s,
        tier: e.data.to,
        price: e.data.price,
        endDate: e.data.endDate,
        startDate: e.data.to === 'TRIAL' ? s.startDate : e.data.effectiveAt,
      };
    case 'SubscriptionBillingCycleChanged':
      return { ...s, billingCycle: e.data.to, price: e.data.price, startDate: e.data.effectiveAt };
    case 'SubscriptionFeaturesOverridden':
      return { ...s, features: e.data.features };
    case 'SubscriptionSuspended':
      return { ...s, status: 'suspended', suspendedReason: e.data.reason };
    case 'SubscriptionReactivated':
      return { ...s, status: 'active', suspendedReason: null };
    case 'SubscriptionCancellationScheduled':
      return { ...s, cancelAtPeriodEnd: true, endDate: e.data.effectiveAt };
    case 'SubscriptionCancellationWithdrawn':
      return { ...s, cancelAtPeriodEnd: false, endDate: s.tier === 'TRIAL' ? s.endDate : null };
    case 'SubscriptionCancelled':
      return { ...s, status: 'cancelled', cancelAtPeriodEnd: false };
    case 'SubscriptionTrialExpired':
      return { ...s, status: 'suspended', suspendedReason: 'trial_expired' };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionEvent, SubscriptionState> = {
  initialState: initialSubscription,
  decide,
  evolve,
};
