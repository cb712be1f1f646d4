import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner, Database } from '@maple/platform';
import type { AppConfig, CommandMeta, StoredEvent } from '@maple/platform';
import { CompanyQueries } from '@maple/tenancy';
import type { Tier } from '../domain/entitlements';
import { subscriptionDecider } from '../domain/subscription.decider';
import type { SubscriptionCommand, SubscriptionState } from '../domain/subscription.decider';
import type { BillingCycle } from '../domain/subscription.events';
import { subscriptionIdFor, subscriptionStreamId } from '../projections/subscription.projection';
import { EntitlementsService } from './entitlements.service';

export const TRIAL_DAYS = 'BILLING_TRIAL_DAYS';

type Without<C> = C extends unknown ? Omit<C, 'meta'> : never;

/** Thin shells around the subscription decider: read what it needs, run, return the state. */
@Injectable()
export class SubscriptionCommands {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(EntitlementsService) private readonly entitlements: EntitlementsService,
    @Inject(TRIAL_DAYS) private readonly trialDays: number,
    @Inject(CompanyQueries) private readonly companies: CompanyQueries,
  ) {}

  private async run(
    companyId: string,
    command: Without<SubscriptionCommand>,
    meta: CommandMeta,
  ): Promise<{ state: SubscriptionState; events: StoredEvent[] }> {
    const cmd = { ...command, meta } as SubscriptionCommand;
    return this.runner.run(
      subscriptionDecider,
      { id: subscriptionStreamId(companyId), type: 'Subscription', companyId },
      cmd,
    );
  }

  async start(
    companyId: string,
    input: { tier: Tier; billingCycle: BillingCycle; price: string; features?: unknown },
    meta: CommandMeta,
  ) {
    // A subscription belongs to a company: for an unknown one, 404 TENANCY.COMPANY_NOT_FOUND.
    await this.companies.get({ companyId }, companyId);
    return this.run(
      companyId,
      {
        type: 'StartSubscription',
        subscriptionId: subscriptionIdFor(companyId),
        companyId,
        trialDays: this.trialDays,
        ...input,
      },
      meta,
    );
  }

  async changeTier(companyId: string, input: { tier: Tier; price: string }, meta: CommandMeta) {
    return this.run(
      companyId,
      { type: 'ChangeTier', ...input, usage: { activeUsers: await this.entitlements.seatsUsed(companyId) } },
      meta,
    );
  }

  changeBillingCycle(
    companyId: string,
    input: { billingCycle: BillingCycle; price: string },
    meta: CommandMeta,
  ) {
    return this.run(companyId, { type: 'ChangeBillingCycle', ...input }, meta);
  }

  async overrideFeatures(companyId: string, features: unknown, meta: CommandMeta) {
    return this.run(
      companyId,
      {
        type: 'OverrideFeatures',
        features,
        usage: { activeUsers: await this.entitlements.seatsUsed(companyId) },
      },
      meta,
    );
  }

  suspend(companyId: string, reason: string, meta: CommandMeta) {
    return this.run(companyId, { type: 'SuspendSubscription', reason }, meta);
  }

  reactivate(companyId: string, meta: CommandMeta) {
    return this.run(companyId, { type: 'ReactivateSubscription' }, meta);
  }

  cancel(companyId: string, reason: string, meta: CommandMeta) {
    return this.run(companyId, { type: 'CancelSubscription', reason }, meta);
  }

  /**
   * The worker's sweep: ended trials and ended cancellations move on, as events. Safe to run
   * twice or from two workers: the decider decides nothing when nothing is due.
   */
  async expireDue(meta: CommandMeta): Promise<{ companyId: string; events: string[] }[]> {
    const due = await this.db.transaction(
      (tx) =>
        tx.query<{ companyId: string }>(
          `SELECT "companyId" FROM "Subscription" WHERE status <> 'cancelled' AND "endDate" IS NOT NULL AND "endDate" <= $1::timestamptz`,
          meta.now.toISOString(),
        ),
      { allCompanies: true },
    );
    const out: { companyId: string; events: string[] }[] = [];
    for (const { companyId } of due) {
      const r = await this.run(
        companyId,
        { type: 'ExpireSubscription' },
        { ...meta, commandId: `${meta.commandId}:${companyId}`, companyId },
      );
      out.push({ companyId, events: r.events.map((e) => e.type) });
    }
    return out;
  }
}

export function trialDaysFrom(config: AppConfig): number {
  return config.billing.trialDays;
}
