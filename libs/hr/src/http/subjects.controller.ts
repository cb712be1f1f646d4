import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { SubjectAccessExport } from '../application/subject-export';
import { HrSubjects } from '../application/subjects.commands';
import { ErasureRequestDto, LegalHoldDto } from './dto/hr.dto';
import { PURPOSE_HEADER, viewRequest } from './read-context';

const NOT_FOUND = "HR.SUBJECT_NOT_FOUND (also for another company's person)";
const SUBJECT_EXAMPLE = { subjectId: '5d1f0c7e-2b8a-4c7e-9f0e-3b6a1d2c4e55', erasedAt: null, openRequest: { requestId: 'b7a1…', by: 'usr_7', at: '2026-11-25T09:00:00.000Z' }, holds: [] };

// A person as a data subject: erasure (an HR manager requests, an administrator approves),
// legal holds, and the subject access export.
@ApiTags('hr')
@Controller('hr/subjects')
@RequiresModule('hr')
export class SubjectsController {
  constructor(
    @Inject(HrSubjects) private readonly subjects: HrSubjects,
    @Inject(SubjectAccessExport) private readonly sar: SubjectAccessExport,
  ) {}

  @Get(':id')
  @RequirePermission('hr:write')
  @ApiOperation({ summary: "A person's erasure and legal-hold status (no personal data)" })
  @ApiOkResponse({ schema: { example: SUBJECT_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  get(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    return this.subjects.subject(p.companyId ?? '', id);
  }

  @Post(':id/erasure-requests')
  @RequirePermission('hr:erasure-request')
  @ApiOperation({ summary: "Request the erasure of a person's personal data (HR manager); an administrator approves it" })
  @ApiCreatedResponse({ schema: { example: SUBJECT_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiConflictResponse({ description: 'HR.LEGAL_HOLD or HR.TRANSITION_NOT_ALLOWED (a request is open)' })
  async request(@Param('id') id: string, @Body() body: ErasureRequestDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.subjects.requestErasure(p.companyId ?? '', id, p.role, body.reason, requestMeta(req, p));
    return this.subjects.subject(p.companyId ?? '', id);
  }

  @Post(':id/erasure-requests/approve')
  @HttpCode(200)
  @RequirePermission('hr:erasure-approve')
  @ApiOperation({
    summary: 'Approve the open erasure request (administrator, not the requester): the data key is destroyed (crypto-shredding)',
    description: 'In one transaction: DataSubjectErased (no personal data) is appended, the key destroyed, a permanent tombstone left, the read models scrubbed. The hash chain still verifies: it covers the ciphertext.',
  })
  @ApiOkResponse({ schema: { example: { ...SUBJECT_EXAMPLE, erasedAt: '2026-11-25T10:00:00.000Z', openRequest: null } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async approve(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.subjects.approveErasure(p.companyId ?? '', id, p.role, requestMeta(req, p));
    return this.subjects.subject(p.companyId ?? '', id);
  }

  @Post(':id/erasure-requests/reject')
  @HttpCode(200)
  @RequirePermission('hr:erasure-approve')
  @ApiOperation({ summary: 'Reject the open erasure request (administrator)' })
  @ApiOkResponse({ schema: { example: { ...SUBJECT_EXAMPLE, openRequest: null } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async reject(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.subjects.rejectErasure(p.companyId ?? '', id, p.role, requestMeta(req, p));
    return this.subjects.subject(p.companyId ?? '', id);
  }

  @Post(':id/legal-holds')
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: "Place a legal hold: the person's data is kept, and no erasure or retention purge runs, until it is released" })
  @ApiCreatedResponse({ schema: { example: { ...SUBJECT_EXAMPLE, holds: [{ holdId: 'h1', matter: 'LIT-2026-014' }] } } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async hold(@Param('id') id: string, @Body() body: LegalHoldDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.subjects.placeHold(p.companyId ?? '', id, body.matter, requestMeta(req, p));
    return this.subjects.subject(p.companyId ?? '', id);
  }

  @Post(':id/legal-holds/:holdId/release')
  @HttpCode(200)
  @RequirePermission('hr:retention')
  @ApiOperation({ summary: 'Release a legal hold' })
  @ApiOkResponse({ schema: { example: SUBJECT_EXAMPLE } })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async release(@Param('id') id: string, @Param('holdId') holdId: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    await this.subjects.releaseHold(p.companyId ?? '', id, holdId, requestMeta(req, p));
    return this.subjects.subject(p.companyId ?? '', id);
  }

  @Get(':id/export')
  @RequirePermission('hr:subject-export')
  @ApiOperation({
    summary: 'Subject access request: everything Maple holds about the person, decrypted, as signed NDJSON',
    description: 'Lines: subject, record (HR records with aiInsights), event (their events, decrypted), audit (audit rows about them), then signature: the audit key (GET /audit/public-key) signs the SHA-256 of the lines before it. The read is logged as a VIEW row.',
  })
  @ApiHeader(PURPOSE_HEADER)
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: '{"kind":"subject",…}, {"kind":"record",…}, {"kind":"event",…}, {"kind":"audit",…} lines, then {"kind":"signature",…}' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async export(@Param('id') id: string, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const r = viewRequest(req, p);
    const body = await this.sar.export(p.companyId ?? '', id, { viewer: r.viewer, purpose: r.purpose, ip: r.ip, userAgent: r.userAgent });
    await reply.header('content-type', 'application/x-ndjson').header('content-disposition', 'attachment; filename="subject-export.ndjson"').send(body);
  }
}
