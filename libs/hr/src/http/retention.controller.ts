import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { EntitlementsService, RequiresModule } from '@maple/billing';
import { HrRetention } from '../application/hr-retention';
import { RetentionPolicyDto } from './dto/hr.dto';

const PROPOSAL_EXAMPLE = {
  proposalId: '3c2f…',
  status: 'proposed',
  policy: { candidateYears: 2, employeeYears: 7 },
  subjects: [{ subjectId: '5d1f…', recordType: 'candidate', lastActivityAt: '2024-01-10T09:00:00.000Z', rule: 'candidate: 2 years after last activity' }],
  proposedAt: '2026-11-25T03:00:00.000Z',
  approvedBy: null,
  approvedAt: null,
};

// HR retention: the job proposes, an HR manager approves, erasure runs (legal holds excepted).
@ApiTags('hr')
@Controller('hr/retention')
@RequiresModule('hr')
export class RetentionController {
  constructor(
    @Inject(HrRetention) private readonly retention: HrRetention,
    @Inject(EntitlementsService) private readonly entitlements: EntitlementsService,
  ) {}

  @Get('policy')
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: "The company's HR retention periods (defaults: candidates 2 years after last activity, employees 7 years after termination)" })
  @ApiOkResponse({ schema: { example: { candidateYears: 2, employeeYears: 7 } } })
  policy(@CurrentPrincipal() p: Principal) {
    return this.retention.policy(p.companyId ?? '');
  }

  @Put('policy')
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: 'Set the company\'s own retention periods (plans with retention settings: ENTERPRISE)' })
  @ApiOkResponse({ schema: { example: { candidateYears: 3, employeeYears: 10 } } })
  @ApiForbiddenResponse({ description: 'HR.RETENTION_SETTINGS_NOT_IN_PLAN' })
  async setPolicy(@Body() body: RetentionPolicyDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const plan = await this.entitlements.planOf(p.companyId ?? '');
    return this.retention.setPolicy(p.companyId ?? '', body, Boolean(plan?.entitlements.retentionSettings), requestMeta(req, p));
  }

  @Get('proposals')
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: 'Purges the retention job proposed, newest first' })
  @ApiOkResponse({ schema: { example: { items: [PROPOSAL_EXAMPLE] } } })
  async proposals(@CurrentPrincipal() p: Principal) {
    return { items: await this.retention.proposals(p.companyId ?? '') };
  }

  @Post('proposals/run')
  @HttpCode(200)
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: 'Propose the purges that are due now (what the daily job does)' })
  @ApiOkResponse({ schema: { example: { proposed: [{ proposalId: '3c2f…', subjects: 1 }] } } })
  async run(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const made = await this.retention.proposeDue(requestMeta(req, p), [p.companyId ?? '']);
    return { proposed: made.map((m) => ({ proposalId: m.proposalId, subjects: m.subjects })) };
  }

  @Post('proposals/:id/approve')
  @HttpCode(200)
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: 'Approve a proposed purge (HR manager): each person in it is erased, unless a legal hold keeps them' })
  @ApiOkResponse({ schema: { example: { proposalId: '3c2f…', erased: ['5d1f…'], skipped: [] } } })
  @ApiNotFoundResponse({ description: 'HR.RECORD_NOT_FOUND: no such proposal' })
  approve(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.retention.approve(p.companyId ?? '', id, p.role, requestMeta(req, p));
  }
}
