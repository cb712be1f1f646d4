import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, RequirePermission, attachmentHeader, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { AnalyticsExports } from '../application/analytics-exports';
import { AnalyticsSettings } from '../application/analytics-settings';
import { AnalyticsStorage } from '../application/analytics-storage';
import { ExportRequestDto, SettingsDto } from './dto/analytics.dto';

const EXPORT_EXAMPLE = {
  exportId: '6f0c1d2e-8d0a-4b8f-a1f4-3f3c7c1b9e21',
  status: 'pending',
  requestedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: null,
  rows: null,
  error: null,
};

@ApiTags('analytics')
@Controller('analytics')
@RequiresModule('analytics')
export class ManageController {
  constructor(
    @Inject(AnalyticsSettings) private readonly settings: AnalyticsSettings,
    @Inject(AnalyticsExports) private readonly exports: AnalyticsExports,
    @Inject(AnalyticsStorage) private readonly storage: AnalyticsStorage,
  ) {}

  @Get('settings')
  @RequirePermission('analytics:read')
  @ApiOperation({ summary: "The company's analytics time zone and retention" })
  @ApiOkResponse({ schema: { example: { timeZone: 'Europe/Zurich', retentionDays: 90 } } })
  get(@CurrentPrincipal() p: Principal) {
    return this.settings.get(p.companyId ?? '');
  }

  @Put('settings')
  @RequirePermission('analytics:write')
  @ApiOperation({
    summary: "Set the company's time zone (of days and weeks) and a retention shorter than the global one",
  })
  @ApiOkResponse({ schema: { example: { timeZone: 'Europe/Zurich', retentionDays: 90 } } })
  put(@Body() body: SettingsDto, @CurrentPrincipal() p: Principal, @Req() req: FastifyRequest) {
    return this.settings.set(
      p.companyId ?? '',
      { timeZone: body.timeZone, retentionDays: body.retentionDays ?? null },
      requestMeta(req, p),
    );
  }

  @Get('batches/:batchId/verify')
  @RequirePermission('analytics:read')
  @ApiOperation({
    summary: "Recompute a batch's digest from its stored rows and compare it with its seal in the hash chain",
  })
  @ApiOkResponse({
    schema: {
      example: {
        batchId: '0b5e…',
        events: 47,
        sealedDigest: '9f2c…',
        recomputedDigest: '9f2c…',
        intact: true,
        sealEventId: 'c1d2…',
      },
    },
  })
  @ApiNotFoundResponse({ description: "ANALYTICS.BATCH_NOT_FOUND (also for another company's batch)" })
  verify(@Param('batchId', new ParseUUIDPipe()) batchId: string, @CurrentPrincipal() p: Principal) {
    return this.storage.verifyBatch(p.companyId ?? '', batchId);
  }

  @Post('exports')
  @HttpCode(202)
  // Starting an export is a write (a job and a stored file): analysts and administrators.
  @RequirePermission('analytics:write')
  @ApiOperation({
    summary: 'Start an NDJSON export of raw events (asynchronous; poll its status, then download)',
  })
  @ApiAcceptedResponse({ schema: { example: EXPORT_EXAMPLE } })
  requestExport(@Body() body: ExportRequestDto, @CurrentPrincipal() p: Principal) {
    return this.exports.request(
      p.companyId ?? '',
      { from: body.from, to: body.to, eventType: body.eventType },
      p.userId,
    );
  }

  @Get('exports/:exportId')
  @RequirePermission('analytics:read')
  @ApiOperation({ summary: 'Status of an export' })
  @ApiOkResponse({
    schema: {
      example: { ...EXPORT_EXAMPLE, status: 'done', finishedAt: '2026-12-01T10:00:02.000Z', rows: 1200 },
    },
  })
  @ApiNotFoundResponse({ description: "ANALYTICS.EXPORT_NOT_FOUND (also for another company's export)" })
  exportStatus(@Param('exportId', new ParseUUIDPipe()) exportId: string, @CurrentPrincipal() p: Principal) {
    return this.exports.status(p.companyId ?? '', exportId);
  }

  @Get('exports/:exportId/download')
  @RequirePermission('analytics:read')
  @ApiOperation({ summary: 'The export as NDJSON, one event per line' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({
    description:
      'One JSON object per line: id, messageId, eventType, userId, timestamp, sentAt, receivedAt, eventData',
  })
  @ApiConflictResponse({ description: 'ANALYTICS.EXPORT_NOT_READY (problem+json)' })
  @ApiNotFoundResponse({ description: 'ANALYTICS.EXPORT_NOT_FOUND' })
  async download(
    @Param('exportId', new ParseUUIDPipe()) exportId: string,
    @CurrentPrincipal() p: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const body = await this.exports.download(p.companyId ?? '', exportId);
    await reply
      .header('content-type', 'application/x-ndjson')
      .header('content-disposition', attachmentHeader(`analytics-${exportId}.ndjson`))
      .send(body);
  }
}
