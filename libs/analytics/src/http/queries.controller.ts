import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, RequirePermission } from '@maple/platform';
import type { Principal } from '@maple/platform';
import { RequiresModule } from '@maple/billing';
import { AnalyticsReads } from '../queries/analytics-reads';
import { BreakdownQueryDto, CountsQueryDto, FunnelQueryDto, RetentionQueryDto } from './dto/analytics.dto';

const W = { watermark: '2026-12-01T10:00:00.000Z' };
const FRESH =
  'Every answer carries `watermark`: its data is complete up to that instant (on a replica, its last replayed commit). Queries stop after ANALYTICS_QUERY_TIMEOUT_MS (503 ANALYTICS.QUERY_TIMEOUT) and read from DATABASE_READ_URL when it is set.';

@ApiTags('analytics')
@Controller('analytics')
@RequiresModule('analytics')
export class QueriesController {
  constructor(@Inject(AnalyticsReads) private readonly reads: AnalyticsReads) {}

  @Get('counts')
  @RequirePermission('analytics:read')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Event counts and unique users by event type and hour, day or week',
    description: FRESH,
  })
  @ApiOkResponse({
    schema: {
      example: {
        interval: 'day',
        timeZone: 'Europe/Zurich',
        from: '2026-10-31T23:00:00.000Z',
        to: '2026-11-30T23:00:00.000Z',
        source: 'rollups',
        buckets: [{ bucket: '2026-11-01', eventType: 'user_action', events: 1250, users: 87 }],
        ...W,
      },
    },
  })
  @ApiBadRequestResponse({ description: 'ANALYTICS.QUERY_INVALID or VALIDATION_FAILED (problem+json)' })
  @ApiServiceUnavailableResponse({
    description: 'ANALYTICS.QUERY_TIMEOUT, ANALYTICS.REPLICA_UNAVAILABLE (problem+json)',
  })
  counts(@Query() q: CountsQueryDto, @CurrentPrincipal() p: Principal) {
    return this.reads.counts(p.companyId ?? '', { ...q, interval: q.interval ?? 'day' });
  }

  @Get('breakdown')
  @RequirePermission('analytics:read')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Events and unique users per value of one property (top 100 values)',
    description: FRESH,
  })
  @ApiOkResponse({
    schema: {
      example: {
        property: 'plan',
        timeZone: 'UTC',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
        values: [{ value: 'pro', events: 420, users: 31 }],
        ...W,
      },
    },
  })
  @ApiBadRequestResponse({ description: 'ANALYTICS.QUERY_INVALID or VALIDATION_FAILED (problem+json)' })
  @ApiServiceUnavailableResponse({
    description: 'ANALYTICS.QUERY_TIMEOUT, ANALYTICS.REPLICA_UNAVAILABLE (problem+json)',
  })
  breakdown(@Query() q: BreakdownQueryDto, @CurrentPrincipal() p: Principal) {
    return this.reads.breakdown(p.companyId ?? '', q);
  }

  @Get('funnel')
  @RequirePermission('analytics:read')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'A funnel of 2 to 5 events, each within a window of the first',
    description: FRESH,
  })
  @ApiOkResponse({
    schema: {
      example: {
        timeZone: 'UTC',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-12-01T00:00:00.000Z',
        windowHours: 24,
        steps: [
          { event: 'Signed Up', users: 100, conversion: 1 },
          { event: 'Activated', users: 40, conversion: 0.4 },
        ],
        ...W,
      },
    },
  })
  @ApiBadRequestResponse({ description: 'ANALYTICS.QUERY_INVALID or VALIDATION_FAILED (problem+json)' })
  @ApiServiceUnavailableResponse({
    description: 'ANALYTICS.QUERY_TIMEOUT, ANALYTICS.REPLICA_UNAVAILABLE (problem+json)',
  })
  funnel(@Query() q: FunnelQueryDto, @CurrentPrincipal() p: Principal) {
    return this.reads.funnel(p.companyId ?? '', {
      from: q.from,
      to: q.to,
      steps: q.step,
      windowHours: q.windowHours ?? 24,
    });
  }

  @Get('retention')
  @RequirePermission('analytics:read')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Retention cohorts by day or week of first event', description: FRESH })
  @ApiOkResponse({
    schema: {
      example: {
        period: 'day',
        timeZone: 'UTC',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-08T00:00:00.000Z',
        cohorts: [{ cohort: '2026-11-01', users: 50, retained: [50, 21, 14] }],
        ...W,
      },
    },
  })
  @ApiBadRequestResponse({ description: 'ANALYTICS.QUERY_INVALID or VALIDATION_FAILED (problem+json)' })
  @ApiServiceUnavailableResponse({
    description: 'ANALYTICS.QUERY_TIMEOUT, ANALYTICS.REPLICA_UNAVAILABLE (problem+json)',
  })
  retention(@Query() q: RetentionQueryDto, @CurrentPrincipal() p: Principal) {
    return this.reads.retention(p.companyId ?? '', { ...q, period: q.period ?? 'day' });
  }
}
