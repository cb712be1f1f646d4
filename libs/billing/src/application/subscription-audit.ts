import type { AuditActions } from '@maple/audit';

type Data = Record<string, unknown>;

/**
 * Subscription events in the Subscription's own fields, so an auditor's diff reads
 * "tier: STARTER -> PROFESSIONAL" rather than the event's from/to.
 */
export function registerSubscriptionAuditFields(actions: AuditActions): void {
  actions
    .registerFields('SubscriptionStarted', (d: Data) => ({
      tier: d.tier,
      status: 'active',
      billingCycle: d.billingCycle,
      price: d.price,
      startDate: d.startDate,
      endDate: d.endDate,
      features: d.features,
      companyId: d.companyId,
    }))
    .registerFields('SubscriptionTierChanged', (d: Data) => ({
      tier: d.to,
      price: d.price,
      endDate: d.endDate,
    }))
    .registerFields('SubscriptionBillingCycleChanged', (d: Data) => ({ billingCycle: d.to, price: d.price }))
    .registerFields('SubscriptionFeaturesOverridden', (d: Data) => ({ features: d.features }))
    .registerFields('SubscriptionSuspended', (d: Data) => ({ status: 'suspended', statusReason: d.reason }))
    .registerFields('SubscriptionReactivated', () => ({ status: 'active', statusReason: null }))
    .registerFields('SubscriptionCancellationScheduled', (d: Data) => ({
      cancelAt: d.effectiveAt,
      statusReason: d.reason,
    }))
    .registerFields('SubscriptionCancellationWithdrawn', () => ({ cancelAt: null, statusReason: null }))
    .registerFields('SubscriptionCancelled', () => ({ status: 'cancelled' }))
    .registerFields('SubscriptionTrialExpired', () => ({ status: 'suspended', statusReason: 'trial ended' }));
}
