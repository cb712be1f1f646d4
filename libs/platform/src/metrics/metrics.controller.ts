import { Controller, Get, Header, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';
// edge.errors declares METRICS.TOKEN_REQUIRED as 401.
import '../http/edge.errors';
import { DomainError } from '../http/problem';
import { Public } from '../http/public.decorator';
import { APP_CONFIG } from '../platform.tokens';
import { Metrics } from './metrics';
import { metricsTokenAccepted } from './metrics-access';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // Not a user's route: Prometheus proves itself with METRICS_TOKEN, not with a user's token.
  @Public()
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics: HTTP latency by route and status, DB pool gauges, process metrics',
    description:
      'With METRICS_TOKEN set, needs `Authorization: Bearer <token>` (else 401 METRICS.TOKEN_REQUIRED). With METRICS_PORT set, served on that port only, and 404 here. In production without either, 404: metrics are not public.',
  })
  async scrape(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const m = this.config.metrics;
    // Indistinguishable from an unknown route: nothing tells a stranger that metrics exist.
    if (!m.onApiPort) throw new NotFoundException({ code: 'NOT_FOUND', message: 'Cannot GET /metrics' });
    if (m.token && !metricsTokenAccepted(req.headers.authorization, m.token)) {
      void reply.header('www-authenticate', 'Bearer');
      throw new DomainError('METRICS.TOKEN_REQUIRED', 'Metrics need the bearer token (METRICS_TOKEN).');
    }
    return this.metrics.registry.metrics();
  }
}
