import type { Tx } from '@maple/platform';

/** The subscription's own fields as clients see them; the price stays an exact decimal string. */
export type SubscriptionRow = {
  tier: string;
  status: string;
  billingCycle: string;
  price: string;
  startDate: Date;
  endDate: Date | null;
  features: Record<string, unknown> | null;
};

export async function readSubscription(tx: Tx, companyId: string): Promise<SubscriptionRow | null> {
  const rows = await tx.query<SubscriptionRow>(
    `SELECT tier::text AS tier, status, "billingCycle", price::text AS price, "startDate", "endDate", features
       FROM "Subscription" WHERE "companyId" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
    companyId,
  );
  return rows[0] ?? null;
}
