import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequirePermission, requestMeta } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { CurrentPrincipal } from '@maple/platform';
import { AnalyticsIngestion } from '../application/ingestion';
import type { IngestResult } from '../application/ingestion';
import { AnalyticsError } from '../domain/analytics.errors';
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, readEvent } from '../domain/event-intake';
import { BATCH_BODY, TRACK_BODY } from './dto/analytics.dto';

const RESULT_EXAMPLE = {
  batchId: '0b5e4c1e-5a57-4c38-9c39-4f1d3c2a9e10',
  received: 50,
  stored: 46,
  duplicates: 0,
  quarantined: [{ index: 7, messageId: 'msg-0008', reason: 'future' }],
  rejected: [
    {
      index: 3,
      messageId: 'msg-0004',
      field: 'event',
      reason: 'a track call needs the name of its event in `event`',
    },
  ],
  digest: '9f2c…',
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function bodyBytes(req: FastifyRequest, body: unknown): number {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > 0
    ? declared
    : Buffer.byteLength(JSON.stringify(body ?? null));
}

function sentAtOf(v: unknown): Date | null {
  if (v === undefined || v === null) return null;
  const r = readEvent({ event: 'sentAt', anonymousId: 'x', sentAt: v }, 0, {
    receivedAt: new Date(),
    batchSentAt: null,
    newId: () => 'x',
  });
  if (!r.ok)
    throw new AnalyticsError('ANALYTICS.BATCH_INVALID', 'sentAt must be an ISO 8601 date-time.', {
      field: 'sentAt',
    });
  return r.event.sentAt;
}

// Segment-compatible ingestion (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
@ApiTags('analytics')
@Controller('analytics')
@RequiresModule('analytics')
export class IngestController {
  constructor(@Inject(AnalyticsIngestion) private readonly ingestion: AnalyticsIngestion) {}

  @Post('track')
  @HttpCode(200)
  @RequirePermission('analytics:write')
  @ApiOperation({
    summary: 'Record one event (Segment track/page/identify...)',
    description:
      'Stored once per messageId within 7 days; an event more than 24 h ahead or older than the late window is quarantined (see `quarantined`).',
  })
  @ApiBody(TRACK_BODY)
  @ApiOkResponse({
    schema: { example: { ...RESULT_EXAMPLE, received: 1, stored: 1, quarantined: [], rejected: [] } },
  })
  @ApiBadRequestResponse({
    description: 'ANALYTICS.EVENT_INVALID: names the field (problem+json); nothing is stored',
  })
  @ApiTooManyRequestsResponse({
    description: "BILLING.RATE_LIMITED: over the tier's events per minute (Retry-After)",
  })
  async track(
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ): Promise<IngestResult> {
    const meta = requestMeta(req, p);
    const probe = readEvent(body, 0, { receivedAt: meta.now, batchSentAt: null, newId: () => 'probe' });
    if (!probe.ok)
      throw new AnalyticsError('ANALYTICS.EVENT_INVALID', probe.rejection.reason, {
        field: probe.rejection.field,
      });
    return this.ingestion.ingest(p.companyId ?? '', [body], null, meta);
  }

  @Post('batch')
  @HttpCode(200)
  @RequirePermission('analytics:write')
  @ApiOperation({
    summary: 'Record a batch of events (Segment batch): each event is validated on its own',
    description:
      "Bad events are listed in `rejected` with their index and reason and the rest are stored. A replayed batch stores nothing twice (messageId). The stored rows are sealed: their digest enters the company's hash chain as one AnalyticsBatchSealed event. Counts against the rate limit per event.",
  })
  @ApiBody(BATCH_BODY)
  @ApiOkResponse({ schema: { example: RESULT_EXAMPLE } })
  @ApiBadRequestResponse({
    description: 'ANALYTICS.BATCH_INVALID: the body is not {"batch": [...]} (problem+json)',
  })
  @ApiPayloadTooLargeResponse({ description: 'ANALYTICS.BATCH_TOO_LARGE: more than 500 KB (problem+json)' })
  @ApiTooManyRequestsResponse({
    description: "BILLING.RATE_LIMITED: over the tier's events per minute (Retry-After)",
  })
  async batch(
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
  ): Promise<IngestResult> {
    const bytes = bodyBytes(req, body);
    if (bytes > MAX_BATCH_BYTES)
      throw new AnalyticsError(
        'ANALYTICS.BATCH_TOO_LARGE',
        `A batch may have at most ${MAX_BATCH_BYTES} bytes; this one has ${bytes}.`,
        { limit: MAX_BATCH_BYTES },
      );
    if (!isObject(body) || !Array.isArray(body.batch))
      throw new AnalyticsError('ANALYTICS.BATCH_INVALID', 'The body must be {"batch": [events...]}.', {
        field: 'batch',
      });
    if (body.batch.length === 0 || body.batch.length > MAX_BATCH_EVENTS)
      throw new AnalyticsError('ANALYTICS.BATCH_INVALID', `A batch holds 1 to ${MAX_BATCH_EVENTS} events.`, {
        field: 'batch',
      });
    return this.ingestion.ingest(p.companyId ?? '', body.batch, sentAtOf(body.sentAt), requestMeta(req, p));
  }
}
