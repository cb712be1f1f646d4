import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RequirePermission } from '../auth/require-permission.decorator';
import { Database } from '../database/database';
import { SlowQueriesDto, SlowQueriesQueryDto } from './dto/slow-queries.dto';
import { slowQueries } from './slow-queries';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/database')
export class MonitoringController {
  constructor(@Inject(Database) private readonly db: Database) {}

  // Statement texts span every company: platform administrators only.
  @Get('slow-queries')
  @RequirePermission('platform:monitor')
  @ApiOperation({
    summary: 'Top statements by total execution time (pg_stat_statements)',
    description: 'Platform administrators only. When pg_stat_statements is not loaded or not created in this database, `available` is false and `reason` says what to do.',
  })
  @ApiOkResponse({ type: SlowQueriesDto })
  @ApiBadRequestResponse({ description: 'limit is not a whole number from 1 to 100 (problem+json).' })
  @ApiUnauthorizedResponse({ description: 'No or invalid bearer token (problem+json).' })
  @ApiForbiddenResponse({ description: 'Not a platform administrator (problem+json).' })
  async slowQueries(@Query() q: SlowQueriesQueryDto): Promise<SlowQueriesDto> {
    return slowQueries(this.db, q.limit ?? 10);
  }
}
