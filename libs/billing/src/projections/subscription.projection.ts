import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { SubscriptionEvent } from '../domain/subscription.events';

const SUBSCRIPTION_EVENTS: SubscriptionEvent['type'][] = [
  'SubscriptionStarted',
  'SubscriptionTierChanged',
  'SubscriptionBillingCycleChanged',
  'SubscriptionFeaturesOverridden',
  'SubscriptionSuspended',
  'SubscriptionReactivated',
  'SubscriptionCancellationScheduled',
  'SubscriptionCancellationWithdrawn',
  'SubscriptionCancelled',
  'SubscriptionTrialExpired',
];

/** Stream id of a company's subscription: one subscription per company. */
export const subscriptionStreamId = (companyId: string) => `subscription-${companyId}`;
export const subscriptionIdFor = (companyId: string) => `sub_${companyId}`;

// Inline: entitlements must see a tier change in the same request that made it.
export const subscriptionProjection: Projection = {
  name: 'billing.subscriptions',
  handles: SUBSCRIPTION_EVENTS,
  // User too: a started subscription links the company's users to it (User.subscriptionId), so
  // rebuilding either table replays this projection and identity's together.
  tables: ['Subscription', 'User'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as SubscriptionEvent;
    const id = subscriptionIdFor(stored.companyId ?? '');
    const set = (sql: string, ...params: unknown[]) =>
      tx.execute(
        `UPDATE "Subscription" SET ${sql}, "updatedAt" = $1 WHERE id = $2`,
        stored.recordedAt,
        id,
        ...params,
      );
    switch (e.type) {
      case 'SubscriptionStarted':
        await tx.execute(
          `INSERT INTO "Subscription" (id, tier, status, "startDate", "endDate", "billingCycle", price, features, "companyId", "createdAt", "updatedAt")
           VALUES ($1, $2::"SubscriptionTier", 'active', $3::timestamptz, $4::timestamptz, $5, $6::numeric, $7::jsonb, $8, $9, $9)
           ON CONFLICT (id) DO NOTHING`,
          id,
          e.data.tier,
          e.data.startDate,
          e.data.endDate,
          e.data.billingCycle,
          e.data.price,
          e.data.features === null ? null : JSON.stringify(e.data.features),
          e.data.companyId,
          stored.recordedAt,
        );
        // Users link to their company's subscription (the seed's User.subscriptionId).
        await tx.execute(
          `UPDATE "User" SET "subscriptionId" = $1 WHERE "companyId" = $2`,
          id,
          e.data.companyId,
        );
        return;
      case 'SubscriptionTierChanged':
        await set(
          `tier = $3::"SubscriptionTier", price = $4::numeric, "endDate" = $5::timestamptz, "startDate" = CASE WHEN $3 = 'TRIAL' THEN "startDate" ELSE $6::timestamptz END`,
          e.data.to,
          e.data.price,
          e.data.endDate,
          e.data.effectiveAt,
        );
        return;
      case 'SubscriptionBillingCycleChanged':
        await set(
          `"billingCycle" = $3, price = $4::numeric, "startDate" = $5::timestamptz`,
          e.data.to,
          e.data.price,
          e.data.effectiveAt,
        );
        return;
      case 'SubscriptionFeaturesOverridden':
        await set(`features = $3::jsonb`, e.data.features === null ? null : JSON.stringify(e.data.features));
        return;
      case 'SubscriptionSuspended':
      case 'SubscriptionTrialExpired':
        await set(`status = 'suspended'`);
        return;
      case 'SubscriptionReactivated':
        await set(`status = 'active'`);
        return;
      case 'SubscriptionCancellationScheduled':
        await set(`"endDate" = $3::timestamptz`, e.data.effectiveAt);
        return;
      case 'SubscriptionCancellationWithdrawn':
        await set(`"endDate" = CASE WHEN tier = 'TRIAL' THEN "endDate" ELSE NULL END`);
        return;
      case 'SubscriptionCancelled':
        await set(`status = 'cancelled'`);
        return;
      default: {
        const unknown: never = e;
        return unknown;
      }
    }
  },
};
