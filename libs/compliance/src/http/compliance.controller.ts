import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Database, DomainError, FieldPolicy, PersonalData, RequirePermission, requestMeta, tenantScope } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { AuditService } from '@maple/audit';
import { ComplianceRecords } from '../application/compliance-records';
import { getRecord, listRecords } from '../queries/list-records.query';
import { complianceReader, revealRecords } from '../queries/record-view';
import type { RecordRow } from '../queries/list-records.query';
import { CreateRecordDto, ListRecordsQueryDto, ReviewDto } from './dto/compliance.dto';

// KYC dates of birth and document numbers are sensitive: shown only with a purpose (and logged).
const PURPOSE_HEADER = { name: 'X-Purpose', required: false, description: 'Why you read personal data: reveals sensitive KYC fields (date of birth, document number) your role may see, logged as a VIEW row. Without it they show as [purpose required].' };

const RECORD_EXAMPLE = {
  id: '8d0c7c53-6a8e-4d6e-9a57-2a1f1c3e9b10',
  type: 'AML',
  status: 'pending',
  riskScore: 75,
  data: { counterparty: 'Globex GmbH', amount: '250000.00', currency: 'EUR', country: 'IR', channel: 'cash' },
  metadata: { risk: { score: 75, model: 'rules-1', breakdown: [{ factor: 'base', points: 5 }] }, approvals: [] },
  companyId: 'acme',
  createdBy: 'user-alice',
  reviewedBy: null,
  createdAt: '2026-11-25T09:00:00.000Z',
  updatedAt: '2026-11-25T09:00:00.000Z',
};

@ApiTags('compliance')
@Controller('compliance/records')
@FieldPolicy('ComplianceRecord')
export class ComplianceController {
  constructor(
    @Inject(ComplianceRecords) private readonly records: ComplianceRecords,
    @Inject(Database) private readonly db: Database,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  // KYC and AML personal data is sealed; it is decrypted here as the reader's role may see it.
  private async read(p: Principal, id: string, req: FastifyRequest): Promise<RecordRow> {
    const row = await this.db.transaction(async (tx) => {
      const r = await getRecord(tx, p.companyId ?? '', id);
      return r && (await revealRecords(tx, this.personal.reader, complianceReader(p, req, id), [r]))[0];
    }, tenantScope(p));
    // Another company's id is indistinguishable from a missing one.
    if (!row) throw new DomainError('COMPLIANCE.RECORD_NOT_FOUND', 'No such compliance record.');
    return row;
  }

  @Post()
  @RequirePermission('compliance:write')
  @ApiOperation({ summary: 'Create an AML, KYC or OFAC record; OFAC subjects are screened at once and hits flag the record' })
  @ApiCreatedResponse({ schema: { example: RECORD_EXAMPLE } })
  async create(@Body() body: CreateRecordDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const companyId = p.companyId ?? '';
    const { recordId } = await this.records.create(companyId, body, requestMeta(req, p));
    return this.read(p, recordId, req);
  }

  @Get()
  @RequirePermission('compliance:read')
  @ApiOperation({ summary: 'List records by type, status, risk range and date, newest first (cursor pages)' })
  @ApiOkResponse({ schema: { example: { items: [RECORD_EXAMPLE], nextCursor: null } } })
  @ApiHeader(PURPOSE_HEADER)
  async list(@Query() q: ListRecordsQueryDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.db.transaction(async (tx) => {
      const page = await listRecords(tx, p.companyId ?? '', { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });
      return { ...page, items: await revealRecords(tx, this.personal.reader, complianceReader(p, req, 'list'), page.items) };
    }, tenantScope(p));
  }

  @Get(':id')
  @RequirePermission('compliance:read')
  @ApiOperation({ summary: 'One record; the read is recorded in the audit log (VIEW)' })
  @ApiOkResponse({ schema: { example: RECORD_EXAMPLE } })
  @ApiHeader(PURPOSE_HEADER)
  @ApiNotFoundResponse({ description: 'COMPLIANCE.RECORD_NOT_FOUND (also for another company\'s id)' })
  async get(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    const row = await this.read(p, id, req);
    await this.audit.recordView(tenantScope(p), { entityType: 'ComplianceRecord', entityId: id, userId: p.userId, companyId: row.companyId, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
    return row;
  }

  @Post(':id/approve')
  @HttpCode(200)
  @RequirePermission('compliance:write')
  @ApiOperation({ summary: 'Approve (four-eyes: never by the creator; high-risk records need two different compliance officers)' })
  @ApiOkResponse({ schema: { example: { ...RECORD_EXAMPLE, status: 'approved', reviewedBy: 'user-bob' } } })
  async approve(@Param('id') id: string, @Body() body: ReviewDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.read(p, id, req);
    await this.records.approve(id, p.companyId ?? '', body.reason, p.role, requestMeta(req, p));
    return this.read(p, id, req);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequirePermission('compliance:write')
  @ApiOperation({ summary: 'Reject a pending or flagged record (final)' })
  @ApiOkResponse({ schema: { example: { ...RECORD_EXAMPLE, status: 'rejected' } } })
  async reject(@Param('id') id: string, @Body() body: ReviewDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.read(p, id, req);
    await this.records.reject(id, p.companyId ?? '', body.reason, p.role, requestMeta(req, p));
    return this.read(p, id, req);
  }

  @Post(':id/flag')
  @HttpCode(200)
  @RequirePermission('compliance:write')
  @ApiOperation({ summary: 'Flag a pending record for further review' })
  @ApiOkResponse({ schema: { example: { ...RECORD_EXAMPLE, status: 'flagged' } } })
  async flag(@Param('id') id: string, @Body() body: ReviewDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.read(p, id, req);
    await this.records.flag(id, p.companyId ?? '', body.reason, p.role, requestMeta(req, p));
    return this.read(p, id, req);
  }
}
