import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { HrRecords } from '../application/hr-records.commands';
import { HrReads } from '../queries/hr-reads';
import { AdvanceCandidateDto, CloseCandidateDto, ConsentDto, CreateCandidateDto, HireCandidateDto } from './dto/hr.dto';
import { CANDIDATE_EXAMPLE, EMPLOYEE_EXAMPLE } from './examples';
import { PURPOSE_HEADER, viewRequest } from './read-context';

const NOT_FOUND = "HR.RECORD_NOT_FOUND (also for another company's id)";

// Candidates: applied -> screening -> interview -> offer -> hired | rejected | withdrawn.
@ApiTags('hr')
@Controller('hr/candidates')
@RequiresModule('hr')
export class CandidatesController {
  constructor(
    @Inject(HrRecords) private readonly records: HrRecords,
    @Inject(HrReads) private readonly reads: HrReads,
  ) {}

  @Post()
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Record a candidate (a new data subject); personal fields are encrypted before they are stored' })
  @ApiHeader(PURPOSE_HEADER)
  @ApiCreatedResponse({ schema: { example: CANDIDATE_EXAMPLE } })
  async create(@Body() body: CreateCandidateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const id = await this.records.apply(p.companyId ?? '', body, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/advance')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Move a candidate one stage on (screening, interview, offer)' })
  @ApiOkResponse({ schema: { example: { ...CANDIDATE_EXAMPLE, status: 'screening' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'HR.TRANSITION_NOT_ALLOWED' })
  async advance(@Param('id') id: string, @Body() body: AdvanceCandidateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.advance(p.companyId ?? '', id, body.to, body.notes, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Reject a candidate (final)' })
  @ApiOkResponse({ schema: { example: { ...CANDIDATE_EXAMPLE, status: 'rejected' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async reject(@Param('id') id: string, @Body() body: CloseCandidateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.close(p.companyId ?? '', id, 'reject', body.reason, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Record that the candidate withdrew (final)' })
  @ApiOkResponse({ schema: { example: { ...CANDIDATE_EXAMPLE, status: 'withdrawn' } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async withdraw(@Param('id') id: string, @Body() body: CloseCandidateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.close(p.companyId ?? '', id, 'withdraw', body.reason, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/consent')
  @HttpCode(200)
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Record that the candidate consented to being kept until a date (retention)' })
  @ApiOkResponse({ schema: { example: { ...CANDIDATE_EXAMPLE, state: { consentUntil: '2028-12-31' } } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async consent(@Param('id') id: string, @Body() body: ConsentDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.records.consent(p.companyId ?? '', id, body.until, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', id, viewRequest(req, p));
  }

  @Post(':id/hire')
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Hire a candidate with an offer: an employee record opens for the same person (data subject)' })
  @ApiHeader(PURPOSE_HEADER)
  @ApiCreatedResponse({ description: 'The new employee record', schema: { example: EMPLOYEE_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'HR.TRANSITION_NOT_ALLOWED: the candidate has no offer' })
  async hire(@Param('id') id: string, @Body() body: HireCandidateDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const employeeId = await this.records.hire(p.companyId ?? '', id, body, requestMeta(req, p));
    return this.reads.afterWrite(p.companyId ?? '', employeeId, viewRequest(req, p));
  }
}
