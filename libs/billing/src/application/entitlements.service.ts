import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@maple/platform';
import type { Tx } from '@maple/platform';
import { BillingError } from '../domain/billing.errors';
import { resolveEntitlements } from '../domain/entitlements';
import type { Entitlements, FeatureOverrides, Module, Tier } from '../domain/entitlements';
import type { SubscriptionStatus } from '../domain/subscription.events';

export type CompanyPlan = {
  subscriptionId: string;
  tier: Tier;
  status: SubscriptionStatus;
  entitlements: Entitlements;
};

type Row = { id: string; tier: Tier; status: SubscriptionStatus; features: FeatureOverrides | null };
type SubscriptionRow = Row & { billingCycle: string; price: string; startDate: Date; endDate: Date | null };

export type SubscriptionView = Omit<SubscriptionRow, 'id'> & {
  subscriptionId: string;
  entitlements: Entitlements;
  seatsUsed: number;
};

/**
 * The one place that answers "may this company do that?". Every context asks it; none
 * re-implements the rules. Reads the projected subscription on every call, so a tier change
 * applies to the very next request, with no restart and no cache to invalidate.
 */
@Injectable()
export class EntitlementsService {
  private readonly windows = new Map<string, { minute: number; count: number }>();

  constructor(@Inject(Database) private readonly db: Database) {}

  async planOf(companyId: string, tx?: Tx): Promise<CompanyPlan | null> {
    const read = async (t: Tx) => {
      const rows = await t.query<Row>(
        `SELECT id, tier::text AS tier, status, features FROM "Subscription" WHERE "companyId" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
        companyId,
      );
      return rows[0]
        ? {
            subscriptionId: rows[0].id,
            tier: rows[0].tier,
            status: rows[0].status,
            entitlements: resolveEntitlements(rows[0].tier, rows[0].features),
          }
        : null;
    };
    return tx ? read(tx) : this.db.transaction(read, { companyId });
  }

  /**
   * Everything a request needs checked, from one read of the plan: the per-minute budget,
   * the route's module, and whether the company may write.
   */
  async enforce(
    companyId: string,
    need: { module?: Module; write: boolean },
    now = Date.now(),
  ): Promise<void> {
    const plan = await this.planOf(companyId);
    this.countAgainst(companyId, plan, now);
    if (need.module) this.moduleAllowed(plan, need.module);
    if (need.write) this.writable(plan);
  }

  /** 403 BILLING.FEATURE_NOT_IN_PLAN unless the company's plan includes the module. */
  async assertModule(companyId: string, module: Module): Promise<void> {
    this.moduleAllowed(await this.planOf(companyId), module);
  }

  private moduleAllowed(plan: CompanyPlan | null, module: Module): void {
    if (!plan || plan.status === 'cancelled' || !plan.entitlements.modules[module]) {
      throw new BillingError(
        'BILLING.FEATURE_NOT_IN_PLAN',
        `The ${module} module is not part of the company's plan${plan ? ` (${plan.tier})` : ''}.`,
        { module, tier: plan?.tier ?? null },
      );
    }
  }

  /** A suspended (or ended) subscription can read but not write. */
  async assertWritable(companyId: string): Promise<void> {
    this.writable(await this.planOf(companyId));
  }

  private writable(plan: CompanyPlan | null): void {
    if (plan && plan.status !== 'active') {
      throw new BillingError(
        'BILLING.SUBSCRIPTION_SUSPENDED',
        `The company's subscription is ${plan.status}: data can be read but not changed.`,
        { subscriptionStatus: plan.status },
      );
    }
  }

  /**
   * Throws BILLING.SEAT_LIMIT_REACHED unless `adding` more active users fit; `exceptUserId` is not
   * counted (the user being added may already be projected in this transaction).
   */
  async assertSeatAvailable(
    tx: Tx,
    companyId: string,
    adding = 1,
    exceptUserId: string | null = null,
  ): Promise<void> {
    // Serialise seat changes per company: two concurrent additions must not share the last seat.
    await tx.query(
      `SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended('seats:' || $1, 0))) AS l`,
      companyId,
    );
    const plan = await this.planOf(companyId, tx);
    if (!plan) return;
    const n = await this.countSeats(tx, companyId, exceptUserId);
    if (n + adding > plan.entitlements.seats) {
      throw new BillingError(
        'BILLING.SEAT_LIMIT_REACHED',
        `All ${plan.entitlements.seats} seats of the ${plan.tier} plan are in use.`,
        { seats: plan.entitlements.seats, used: n },
      );
    }
  }

  async seatsUsed(companyId: string): Promise<number> {
    return this.db.transaction((tx) => this.countSeats(tx, companyId, null), { companyId });
  }

  private async countSeats(tx: Tx, companyId: string, exceptUserId: string | null): Promise<number> {
    const [{ n }] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "User" WHERE "companyId" = $1 AND "isActive" AND id IS DISTINCT FROM $2`,
      companyId,
      exceptUserId,
    );
    return n;
  }

  /** The subscription as clients see it (price an exact decimal string), its entitlements and seats used, in one transaction. */
  async subscriptionView(companyId: string): Promise<SubscriptionView | null> {
    return this.db.transaction(
      async (tx) => {
        const [row] = await tx.query<SubscriptionRow>(
          `SELECT id, tier::text AS tier, status, "billingCycle", price::text AS price, "startDate", "endDate", features
             FROM "Subscription" WHERE "companyId" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
          companyId,
        );
        if (!row) return null;
        const { id, ...fields } = row;
        return {
          subscriptionId: id,
          ...fields,
          entitlements: resolveEntitlements(row.tier, row.features),
          seatsUsed: await this.countSeats(tx, companyId, null),
        };
      },
      { companyId },
    );
  }

  /**
   * Per-company request budget per minute (fixed window, per process). Returns the count
   * so far; throws BILLING.RATE_LIMITED past the plan's limit.
   */
  async countRequest(companyId: string, now = Date.now()): Promise<number> {
    return this.countAgainst(companyId, await this.planOf(companyId), now);
  }

  /**
   * Counts `units` more against the same per-minute budget (an analytics batch counts each of
   * its events, not one request); throws BILLING.RATE_LIMITED past the plan's limit.
   */
  async countUnits(companyId: string, units: number, now = Date.now()): Promise<void> {
    if (units > 0) this.countAgainst(companyId, await this.planOf(companyId), now, units);
  }

  private countAgainst(companyId: string, plan: CompanyPlan | null, now: number, units = 1): number {
    const minute = Math.floor(now / 60_000);
    const w = this.windows.get(companyId);
    const current = w && w.minute === minute ? w : { minute, count: 0 };
    current.count += units;
    this.windows.set(companyId, current);
    const limit = plan?.entitlements.apiRequestsPerMinute ?? Number.POSITIVE_INFINITY;
    if (current.count > limit) {
      throw new BillingError(
        'BILLING.RATE_LIMITED',
        `The ${plan?.tier} plan allows ${limit} requests per minute.`,
        { limit, retryAfterSeconds: 60 - Math.floor((now / 1000) % 60) },
      );
    }
    return current.count;
  }

  requestsThisMinute(companyId: string, now = Date.now()): number {
    const w = this.windows.get(companyId);
    return w && w.minute === Math.floor(now / 60_000) ? w.count : 0;
  }
}
