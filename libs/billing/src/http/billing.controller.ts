import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, DomainError, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { EntitlementsService } from '../application/entitlements.service';
import { SubscriptionCommands } from '../application/subscription.commands';
import {
  ChangeBillingCycleDto,
  ChangeTierDto,
  FeaturesDto,
  ReasonDto,
  StartSubscriptionDto,
} from './dto/billing.dto';

const EXAMPLE = {
  companyId: 'acme',
  subscriptionId: 'sub_acme',
  tier: 'STARTER',
  status: 'active',
  billingCycle: 'monthly',
  price: '19.99',
  startDate: '2026-11-01T00:00:00.000Z',
  endDate: null,
  features: { seats: 25 },
  entitlements: {
    seats: 10,
    apiRequestsPerMinute: 300,
    modules: { compliance: true, analytics: true, hr: true, workflow: false, ai: false },
    retentionSettings: false,
  },
  usage: { seatsUsed: 4, requestsThisMinute: 12 },
};

@ApiTags('billing')
@Controller('billing')
export class BillingController {
  constructor(
    @Inject(EntitlementsService) private readonly entitlements: EntitlementsService,
    @Inject(SubscriptionCommands) private readonly commands: SubscriptionCommands,
  ) {}

  private async view(companyId: string) {
    const sub = await this.entitlements.subscriptionView(companyId);
    if (!sub) throw new DomainError('BILLING.SUBSCRIPTION_NOT_FOUND', 'The company has no subscription.');
    const { seatsUsed, ...fields } = sub;
    return {
      companyId,
      ...fields,
      usage: { seatsUsed, requestsThisMinute: this.entitlements.requestsThisMinute(companyId) },
    };
  }

  @Get('subscription')
  @RequirePermission('billing:read')
  @ApiOperation({
    summary: "Your company's subscription, entitlements and usage (seats, requests this minute, modules)",
  })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async mine(@CurrentPrincipal() p: Principal) {
    if (!p.companyId)
      throw new DomainError(
        'BILLING.SUBSCRIPTION_NOT_FOUND',
        'Platform administrators have no subscription; use /billing/companies/{companyId}/subscription.',
      );
    return this.view(p.companyId);
  }

  @Get('companies/:companyId/subscription')
  @RequirePermission('billing:manage')
  @ApiOperation({ summary: "Platform admin: a company's subscription and usage" })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  company(@Param('companyId') companyId: string) {
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription')
  @RequirePermission('billing:manage')
  @ApiOperation({ summary: 'Platform admin: start a subscription (a TRIAL lasts BILLING_TRIAL_DAYS)' })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async start(
    @Param('companyId') companyId: string,
    @Body() body: StartSubscriptionDto,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.start(companyId, body, requestMeta(req, p, companyId));
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription/tier')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  @ApiOperation({
    summary:
      'Platform admin: upgrade or downgrade now (a downgrade over a limit is refused with BILLING.DOWNGRADE_OVER_LIMIT)',
  })
  @ApiOkResponse({ schema: { example: { ...EXAMPLE, tier: 'PROFESSIONAL' } } })
  async tier(
    @Param('companyId') companyId: string,
    @Body() body: ChangeTierDto,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.changeTier(companyId, body, requestMeta(req, p, companyId));
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription/billing-cycle')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  @ApiOperation({ summary: 'Platform admin: switch between monthly and annual billing' })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async cycle(
    @Param('companyId') companyId: string,
    @Body() body: ChangeBillingCycleDto,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.changeBillingCycle(companyId, body, requestMeta(req, p, companyId));
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription/features')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  @ApiOperation({
    summary: 'Platform admin: override tier defaults for a company (validated: unknown features are refused)',
  })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async features(
    @Param('companyId') companyId: string,
    @Body() body: FeaturesDto,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.overrideFeatures(companyId, body.features, requestMeta(req, p, companyId));
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription/suspend')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  @ApiOperation({ summary: 'Platform admin: suspend (the company can read but not write)' })
  @ApiOkResponse({ schema: { example: { ...EXAMPLE, status: 'suspended' } } })
  async suspend(
    @Param('companyId') companyId: string,
    @Body() body: ReasonDto,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.suspend(companyId, body.reason, requestMeta(req, p, companyId));
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription/reactivate')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  @ApiOperation({
    summary: 'Platform admin: reactivate a suspended subscription, or withdraw a scheduled cancellation',
  })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async reactivate(
    @Param('companyId') companyId: string,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.reactivate(companyId, requestMeta(req, p, companyId));
    return this.view(companyId);
  }

  @Post('companies/:companyId/subscription/cancel')
  @HttpCode(200)
  @RequirePermission('billing:manage')
  @ApiOperation({ summary: 'Platform admin: cancel at the end of the current period' })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async cancel(
    @Param('companyId') companyId: string,
    @Body() body: ReasonDto,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.commands.cancel(companyId, body.reason, requestMeta(req, p, companyId));
    return this.view(companyId);
  }
}
