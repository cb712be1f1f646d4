import { Body, Controller, Get, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { HrRecords } from '../application/hr-records.commands';
import { HrError } from '../domain/hr.errors';
import { HrReads } from '../queries/hr-reads';
import { AiInsightsDto, ListQueryDto, LookupQueryDto, ReadQueryDto } from './dto/hr.dto';
import { EMPLOYEE_EXAMPLE, PAGE_EXAMPLE } from './examples';
import { BREAK_GLASS_HEADER, PURPOSE_HEADER, viewRequest } from './read-context';

// How deep a JSON value nests (stops counting past the limit, so a hostile body costs nothing).
function depth(v: unknown, limit = 9): number {
  if (v === null || typeof v !== 'object' || limit === 0) return 0;
  let max = 0;
  for (const x of Object.values(v)) max = Math.max(max, depth(x, limit - 1));
  return 1 + max;
}

const LEVELS = 'Each field is shown in full, masked or not at all, by your role and your relation to the person (libs/hr/README.md, field matrix).';

@ApiTags('hr')
@Controller('hr')
@RequiresModule('hr')
export class HrRecordsController {
  constructor(
    @Inject(HrReads) private readonly reads: HrReads,
    @Inject(HrRecords) private readonly records: HrRecords,
  ) {}

  @Get('records')
  @RequirePermission('hr:read')
  @ApiOperation({ summary: 'List HR records (candidates, employees, reviews), newest first, with cursor pages', description: LEVELS })
  @ApiHeader(PURPOSE_HEADER)
  @ApiHeader(BREAK_GLASS_HEADER)
  @ApiOkResponse({ schema: { example: PAGE_EXAMPLE } })
  @ApiBadRequestResponse({ description: 'PRIVACY.PURPOSE_REQUIRED: the page would show a sensitive field and no purpose was given' })
  list(@Query() q: ListQueryDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.reads.list(p.companyId ?? '', { type: q.type, status: q.status, subjectId: q.subjectId, limit: q.limit, cursor: q.cursor }, viewRequest(req, p, q));
  }

  @Get('records/:id')
  @RequirePermission('hr:read')
  @ApiOperation({ summary: 'One HR record; employee changes as of ?asOf (default today)', description: LEVELS })
  @ApiHeader(PURPOSE_HEADER)
  @ApiHeader(BREAK_GLASS_HEADER)
  @ApiOkResponse({ schema: { example: { ...EMPLOYEE_EXAMPLE, scheduledChanges: [{ field: 'salary', effectiveDate: '2027-01-01' }] } } })
  @ApiNotFoundResponse({ description: "HR.RECORD_NOT_FOUND (also for another company's id)" })
  get(@Param('id') id: string, @Query() q: ReadQueryDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.reads.one(p.companyId ?? '', id, viewRequest(req, p, q));
  }

  @Get('me')
  @RequirePermission('hr:self:read')
  @ApiOperation({ summary: 'Your own employment record and the reviews about you', description: LEVELS })
  @ApiHeader(PURPOSE_HEADER)
  @ApiOkResponse({ schema: { example: { items: [EMPLOYEE_EXAMPLE] } } })
  mine(@Query() q: ReadQueryDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.reads.mine(p.companyId ?? '', viewRequest(req, p, q));
  }

  @Get('me/reports')
  @RequirePermission('hr:self:read')
  @ApiOperation({ summary: 'The employees you currently manage', description: LEVELS })
  @ApiHeader(PURPOSE_HEADER)
  @ApiOkResponse({ schema: { example: { items: [EMPLOYEE_EXAMPLE] } } })
  reports(@Query() q: ReadQueryDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.reads.reports(p.companyId ?? '', viewRequest(req, p, q));
  }

  @Get('lookup')
  @RequirePermission('hr:write')
  @ApiOperation({ summary: 'Find the records of a person by exact e-mail or national id (keyed blind index; the values stay encrypted)', description: LEVELS })
  @ApiHeader(PURPOSE_HEADER)
  @ApiOkResponse({ schema: { example: { items: [EMPLOYEE_EXAMPLE] } } })
  lookup(@Query() q: LookupQueryDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.reads.lookup(p.companyId ?? '', q.field, q.value, viewRequest(req, p, q));
  }

  @Post('records/:id/ai-insights')
  @RequirePermission('hr:write')
  @ApiOperation({ summary: "Record an AI model's insights on a candidate or employee, naming the model version (encrypted with the person's key)" })
  @ApiCreatedResponse({ schema: { example: { ...EMPLOYEE_EXAMPLE, aiInsights: { modelVersion: 'attrition-risk@2.3.1', recordedAt: '2026-11-25T09:00:00.000Z', insights: { attritionRisk: 0.18 } } } } })
  @ApiNotFoundResponse({ description: 'HR.RECORD_NOT_FOUND' })
  async aiInsights(@Param('id') id: string, @Body() body: AiInsightsDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const companyId = p.companyId ?? '';
    if (depth(body.insights) > 8 || JSON.stringify(body.insights).length > 20_000) throw new HrError('HR.DATA_INVALID', 'insights must be JSON of at most 20,000 characters, nested at most 8 levels.', { field: 'insights' });
    await this.records.recordAiInsights(companyId, id, body.modelVersion, body.insights, requestMeta(req, p));
    return this.reads.afterWrite(companyId, id, viewRequest(req, p));
  }
}
