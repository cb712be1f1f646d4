import { Readable } from 'node:stream';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiParam,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CurrentPrincipal,
  PLATFORM_CHAIN,
  Public,
  RequirePermission,
  attachmentHeader,
  crossCompanyScope,
  isPlatformAdmin,
  matrixRoleOf,
  tenantScope,
} from '@maple/platform';
import type { DbScope, Principal, ReadContext } from '@maple/platform';
import { AuditService } from '../audit.service';
import { AuditError } from '../domain/audit.errors';
import { CreateCheckpointDto, ExportQueryDto, VerifyChainDto } from './dto/audit-commands.dto';
import { HistoryQueryDto, LogsQueryDto, StateQueryDto } from './dto/audit-queries.dto';

// Company users audit their own company only; the platform administrator names a company or,
// for searches, reads across companies (including the '__platform__' chain).
function scopeOf(who: Principal, companyId?: string): DbScope {
  if (isPlatformAdmin(who)) return companyId ? { companyId } : crossCompanyScope(who);
  if (companyId && companyId !== who.companyId)
    throw new AuditError('AUDIT.FORBIDDEN', 'Auditors see their own company only.');
  return tenantScope(who);
}

// Personal values in trails are shown by the field rules of the auditor's role; a sensitive
// value needs the X-Purpose header (else it is withheld, so the change still shows).
const PURPOSE_HEADER = { name: 'X-Purpose', required: false, description: 'Why you read personal data: reveals sensitive values your role may see (the read is logged). Without it they show as [purpose required].' };

function readerOf(who: Principal, req: FastifyRequest, entity: { type: string; id: string }): ReadContext {
  const purpose = req.headers['x-purpose'];
  return {
    viewer: { userId: who.userId, role: matrixRoleOf(who) },
    purpose: typeof purpose === 'string' && purpose.trim() ? purpose.trim().slice(0, 300) : null,
    withoutPurpose: 'withhold',
    entity,
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 300) : null,
  };
}

/** The chain a request names, by default the caller's own (a platform administrator's: the platform chain). */
function chainOf(who: Principal, requested: string | undefined): string {
  const companyId = requested ?? who.companyId ?? PLATFORM_CHAIN;
  if (!isPlatformAdmin(who) && companyId !== who.companyId)
    throw new AuditError('AUDIT.FORBIDDEN', 'Auditors verify their own company only.');
  return companyId;
}

const HISTORY_EXAMPLE = {
  entityType: 'ComplianceRecord',
  entityId: 'cr_123',
  items: [
    {
      version: 1,
      position: '1042',
      type: 'ComplianceRecordCreated',
      action: 'CREATE',
      at: '2026-11-25T09:00:00.000Z',
      userId: 'usr_42',
      ip: '10.0.0.7',
      userAgent: 'Mozilla/5.0',
      changes: { before: {}, after: { status: 'open', riskScore: 0.2 } },
    },
    {
      version: 2,
      position: '1107',
      type: 'ComplianceRecordReviewed',
      action: 'UPDATE',
      at: '2026-11-25T10:00:00.000Z',
      userId: 'usr_7',
      ip: '10.0.0.9',
      userAgent: 'Mozilla/5.0',
      changes: { before: { status: 'open' }, after: { status: 'reviewed' } },
    },
  ],
  nextCursor: '2',
};

// Auditor and admin routes: audit:read to look, audit:verify to verify, sign and export.
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get('entities/:type/:id/history')
  @ApiParam({ name: 'type', description: 'The entity type (the stream type), e.g. ComplianceRecord, User, Company, Subscription, HRRecord.', example: 'ComplianceRecord' })
  @ApiParam({ name: 'id', description: 'The id the API gave the entity (a record\'s `id`), or its stream id as AuditLog `entityId` holds it (`compliance-record-<id>`).', example: '8640d18c-ceec-4da3-9280-1f03bdbca3de' })
  @RequirePermission('audit:read')
  @ApiOperation({
    summary:
      "An entity's events, oldest first, with who, when, from which ip and exactly what changed (paginated by version)",
  })
  @ApiOkResponse({ schema: { example: HISTORY_EXAMPLE } })
  @ApiNotFoundResponse({ description: 'AUDIT.ENTITY_NOT_FOUND (problem+json)' })
  @ApiHeader(PURPOSE_HEADER)
  history(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() q: HistoryQueryDto,
    @CurrentPrincipal() who: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.audit.history(scopeOf(who, q.companyId), type, id, q.cursor ?? 0, q.limit ?? 100, readerOf(who, req, { type, id }));
  }

  @Get('entities/:type/:id/state')
  @ApiParam({ name: 'type', description: 'The entity type (the stream type), e.g. ComplianceRecord, User, Company, Subscription, HRRecord.', example: 'ComplianceRecord' })
  @ApiParam({ name: 'id', description: 'The id the API gave the entity (a record\'s `id`), or its stream id as AuditLog `entityId` holds it (`compliance-record-<id>`).', example: '8640d18c-ceec-4da3-9280-1f03bdbca3de' })
  @RequirePermission('audit:read')
  @ApiOperation({
    summary: "An entity's state as of a time (?at=) or a version (?version=), replayed from its events",
  })
  @ApiOkResponse({
    schema: {
      example: {
        entityType: 'ComplianceRecord',
        entityId: 'cr_123',
        version: 2,
        asOf: '2026-11-25T10:30:00.000Z',
        deleted: false,
        state: { status: 'reviewed', riskScore: 0.2 },
      },
    },
  })
  @ApiNotFoundResponse({ description: 'AUDIT.ENTITY_NOT_FOUND: no events for the entity at that time' })
  @ApiHeader(PURPOSE_HEADER)
  state(
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() q: StateQueryDto,
    @CurrentPrincipal() who: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.audit.stateAt(
      scopeOf(who, q.companyId),
      type,
      id,
      { at: q.at ? new Date(q.at) : undefined, version: q.version },
      readerOf(who, req, { type, id }),
    );
  }

  @Get('logs')
  @RequirePermission('audit:read')
  @ApiOperation({
    summary: 'Search the audit log by entity, user, action and time range, newest first (cursor pagination)',
  })
  @ApiOkResponse({
    schema: {
      example: {
        items: [
          {
            id: '9b1d…',
            action: 'VIEW',
            entityType: 'HRRecord',
            entityId: 'hr_9',
            userId: 'usr_42',
            companyId: 'cmp_01',
            changes: null,
            ipAddress: '10.0.0.7',
            userAgent: 'Mozilla/5.0',
            timestamp: '2026-11-25T09:00:00.000Z',
          },
        ],
        nextCursor: 'MjAyNi0xMS0yNVQwOTowMDowMC4wMDBafDliMWQ',
      },
    },
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or AUDIT.CURSOR_INVALID' })
  @ApiHeader(PURPOSE_HEADER)
  logs(@Query() q: LogsQueryDto, @CurrentPrincipal() who: Principal, @Req() req: FastifyRequest) {
    const filter = {
      entityType: q.entityType,
      entityId: q.entityId,
      userId: q.userId,
      action: q.action,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    };
    return this.audit.logs(scopeOf(who, q.companyId), filter, q.limit ?? 100, q.cursor, readerOf(who, req, { type: 'AuditLog', id: 'search' }));
  }

  @Post('verify')
  @RequirePermission('audit:verify')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Recompute a company's hash chain over a position range and prove its head against the latest signed checkpoint",
  })
  @ApiOkResponse({
    description: 'valid, or the first broken position and why',
    schema: {
      examples: {
        valid: {
          value: {
            valid: true,
            checked: 5000,
            head: { position: '5000', hash: '3f2a…' },
            checkpoint: { position: '4800', keyId: 'a1b2c3d4e5f60718', signedAt: '2026-11-25T09:00:00.000Z' },
          },
        },
        altered: {
          value: {
            valid: false,
            position: '1234',
            reason: 'HASH_MISMATCH: the event content does not match its hash (the event was altered)',
            checked: 1233,
          },
        },
      },
    },
  })
  verify(@Body() body: VerifyChainDto, @CurrentPrincipal() who: Principal) {
    return this.audit.verify({ ...body, companyId: chainOf(who, body.companyId) });
  }

  @Post('checkpoints')
  @RequirePermission('audit:verify')
  @HttpCode(201)
  @ApiOperation({
    summary: "Sign the company chain's current head now (the worker also does this periodically)",
  })
  @ApiOkResponse({
    schema: {
      example: {
        companyId: 'cmp_01',
        position: '5000',
        headHash: '3f2a…',
        signedAt: '2026-11-25T09:00:00.000Z',
        signature: 'base64…',
        keyId: 'a1b2c3d4e5f60718',
      },
    },
  })
  @ApiNotFoundResponse({ description: 'AUDIT.CHAIN_EMPTY: the company has no events yet' })
  checkpoint(@Body() body: CreateCheckpointDto, @CurrentPrincipal() who: Principal) {
    return this.audit.checkpoint(chainOf(who, body.companyId));
  }

  // A public key is public: anyone holding an export must be able to check it.
  @Public()
  @Get('public-key')
  @ApiOperation({
    summary: 'The Ed25519 public key that signs checkpoints (for offline verification of exports)',
  })
  @ApiOkResponse({
    schema: {
      example: {
        keyId: 'a1b2c3d4e5f60718',
        algorithm: 'Ed25519',
        publicKeyPem: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n',
        ephemeral: false,
      },
    },
  })
  publicKey() {
    return this.audit.publicKey();
  }

  @Get('export')
  @RequirePermission('audit:verify')
  @ApiOperation({
    summary:
      "NDJSON export of a company's events with their hashes, closed by the signed checkpoint that covers them",
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description:
      'One JSON object per line: {"kind":"event",…,"prevHash","hash"} lines, then {"kind":"checkpoint",…}',
  })
  async export(
    @Query() q: ExportQueryDto,
    @Res() reply: FastifyReply,
    @CurrentPrincipal() who: Principal,
  ): Promise<void> {
    const companyId = chainOf(who, q.companyId);
    const from = new Date(q.from);
    const to = new Date(q.to);
    if (!(from < to)) throw new AuditError('AUDIT.QUERY_INVALID', '`from` must be before `to`.');
    const lines = this.audit.exportNdjson({ companyId, from, to });
    // Pull the first chunk before answering so a failure still becomes a problem+json response.
    const first = await lines.next();
    async function* all() {
      if (!first.done) yield first.value;
      yield* lines;
    }
    await reply
      .header('content-type', 'application/x-ndjson')
      .header('content-disposition', attachmentHeader(`audit-${companyId}.ndjson`))
      .send(Readable.from(all()));
  }
}
