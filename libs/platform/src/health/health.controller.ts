import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../http/public.decorator';
import { Database } from '../database/database';
import { ReadinessChecks } from './readiness';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ReadinessChecks) private readonly checks: ReadinessChecks,
  ) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database reachable, migrations current, background work healthy' })
  @ApiOkResponse({
    description: 'Every critical check passed. `warnings`, when present, names conditions an operator should look at that do not stop this process serving (such as a long transaction holding back the event-store readers).',
    schema: { example: { status: 'ok', checks: { database: 'ok', migrations: 'ok' } } },
  })
  @ApiServiceUnavailableResponse({ description: 'A check failed; problem+json names it' })
  async ready() {
    const checks: Record<string, string> = {};
    try {
      await this.db.ping();
      checks.database = 'ok';
      const m = await this.db.migrationCheck();
      checks.migrations = m.pending.length || m.failed.length || m.edited.length ? `pending: ${[...m.pending, ...m.failed, ...m.edited].join(', ')}` : 'ok';
    } catch {
      checks.database = 'unreachable';
    }
    const warnings: Record<string, string> = {};
    for (const c of this.checks.all()) {
      const result = await c.check().catch((e: Error) => e.message);
      if (c.critical) checks[c.name] = result;
      else if (result !== 'ok') warnings[c.name] = result;
    }
    const failed = Object.entries(checks).filter(([, v]) => v !== 'ok');
    const extra = Object.keys(warnings).length ? { warnings } : {};
    if (failed.length) {
      throw new ServiceUnavailableException({ code: 'NOT_READY', message: failed.map(([k, v]) => `${k}: ${v}`).join('; '), checks, ...extra });
    }
    return { status: 'ok', checks, ...extra };
  }
}
