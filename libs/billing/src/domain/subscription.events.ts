import type { DomainEvent } from '@maple/platform';
import type { FeatureOverrides, Tier } from './entitlements';

export type BillingCycle = 'monthly' | 'annual';
export type SubscriptionStatus = 'active' | 'suspended' | 'cancelled';

// Prices are decimal strings and dates ISO strings: events are data, exact and portable.
// Each change carries the price in force afterwards, so an invoicing projection can be
// added later from these events alone.
export type SubscriptionEvent =
  | DomainEvent<
      'SubscriptionStarted',
      {
        subscriptionId: string;
        companyId: string;
        tier: Tier;
        billingCycle: BillingCycle;
        price: string;
        startDate: string;
        endDate: string | null;
        features: FeatureOverrides | null;
      }
    >
  | DomainEvent<
      'SubscriptionTierChanged',
      {
        from: Tier;
        to: Tier;
        direction: 'upgrade' | 'downgrade';
        price: string;
        effectiveAt: string;
        endDate: string | null;
      }
    >
  | DomainEvent<
      'SubscriptionBillingCycleChanged',
      { from: BillingCycle; to: BillingCycle; price: string; effectiveAt: string }
    >
  | DomainEvent<'SubscriptionFeaturesOverridden', { features: FeatureOverrides | null }>
  | DomainEvent<'SubscriptionSuspended', { reason: string; at: string }>
  | DomainEvent<'SubscriptionReactivated', { at: string }>
  | DomainEvent<'SubscriptionCancellationScheduled', { reason: string; effectiveAt: string }>
  | DomainEvent<'SubscriptionCancellationWithdrawn', { at: string }>
  | DomainEvent<'SubscriptionCancelled', { at: string }>
  | DomainEvent<'SubscriptionTrialExpired', { at: string }>;

export type SubscriptionEventType = SubscriptionEvent['type'];
