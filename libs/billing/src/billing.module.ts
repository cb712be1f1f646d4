import { Inject, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { OnModuleInit } from '@nestjs/common';
import { AuditActions, AuditModule } from '@maple/audit';
import { APP_CONFIG, ProjectionRegistry } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { TenancyModule } from '@maple/tenancy';
import { EntitlementsService } from './application/entitlements.service';
import { SubscriptionCommands, TRIAL_DAYS, trialDaysFrom } from './application/subscription.commands';
import { registerSubscriptionAuditFields } from './application/subscription-audit';
import { seatInvariant } from './application/seat-invariant';
import { subscriptionProjection } from './projections/subscription.projection';
import { BillingController } from './http/billing.controller';
import { PlanEnforcementInterceptor } from './http/plan-enforcement.interceptor';

@Module({
  imports: [AuditModule, TenancyModule],
  controllers: [BillingController],
  providers: [
    EntitlementsService,
    SubscriptionCommands,
    { provide: APP_INTERCEPTOR, useClass: PlanEnforcementInterceptor },
    { provide: TRIAL_DAYS, useFactory: (c: AppConfig) => trialDaysFrom(c), inject: [APP_CONFIG] },
  ],
  exports: [EntitlementsService, SubscriptionCommands],
})
export class BillingModule implements OnModuleInit {
  constructor(
    @Inject(ProjectionRegistry) private readonly projections: ProjectionRegistry,
    @Inject(EntitlementsService) private readonly entitlements: EntitlementsService,
    @Inject(AuditActions) private readonly auditActions: AuditActions,
  ) {}

  onModuleInit(): void {
    this.projections.registerInline(subscriptionProjection);
    this.projections.registerInvariant(seatInvariant(this.entitlements));
    registerSubscriptionAuditFields(this.auditActions);
  }
}
