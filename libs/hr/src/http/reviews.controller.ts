import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { HrReviews } from '../application/reviews.commands';
import { HrReads } from '../queries/hr-reads';
import { DraftReviewDto, SubmitReviewDto } from './dto/hr.dto';
import { REVIEW_EXAMPLE } from './examples';
import { viewRequest } from './read-context';

const NOT_FOUND = "HR.RECORD_NOT_FOUND (also for another company's id)";

// Performance reviews: draft -> submitted -> acknowledged; the final rating needs two HR managers.
@ApiTags('hr')
@Controller('hr/reviews')
@RequiresModule('hr')
export class ReviewsController {
  constructor(
    @Inject(HrReviews) private readonly reviews: HrReviews,
    @Inject(HrReads) private readonly reads: HrReads,
  ) {}

  @Post()
  @RequirePermission('hr:review')
  @ApiOperation({ summary: "Draft a performance review (by the employee's manager or HR; never by the reviewee)" })
  @ApiCreatedResponse({ schema: { example: { ...REVIEW_EXAMPLE, status: 'draft' } } })
  @ApiForbiddenResponse({ description: 'HR.SELF_REVIEW or HR.REVIEWER_NOT_ALLOWED' })
  async draft(@Body() body: DraftReviewDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const id = await this.reviews.draft(p.companyId ?? '', body, p.role, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/submit')
  @HttpCode(200)
  @RequirePermission('hr:review')
  @ApiOperation({ summary: 'Submit a drafted review with its proposed rating (the reviewer only)' })
  @ApiOkResponse({ schema: { example: REVIEW_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async submit(@Param('id') id: string, @Body() body: SubmitReviewDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.reviews.submit(p.companyId ?? '', id, body.rating, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/approve-rating')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Approve the rating: the first HR manager approves, a second, different one makes it final (four-eyes)' })
  @ApiOkResponse({ schema: { example: { ...REVIEW_EXAMPLE, state: { ...REVIEW_EXAMPLE.state, ratingStatus: 'final' } } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiForbiddenResponse({ description: 'HR.SECOND_APPROVAL_REQUIRED, HR.SELF_REVIEW or HR.ROLE_NOT_ALLOWED' })
  @ApiConflictResponse({ description: 'HR.TRANSITION_NOT_ALLOWED' })
  async approve(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.reviews.approveRating(p.companyId ?? '', id, p.role, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @RequirePermission('hr:review')
  @ApiOperation({ summary: 'Acknowledge your own review once its rating is final (the reviewee only)' })
  @ApiOkResponse({ schema: { example: { ...REVIEW_EXAMPLE, status: 'acknowledged' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async acknowledge(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.reviews.acknowledge(p.companyId ?? '', id, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }
}
