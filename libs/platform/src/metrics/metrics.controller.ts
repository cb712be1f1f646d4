import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../http/public.decorator';
import { Metrics } from './metrics';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  // Scraped by Prometheus on the internal network; it exposes no business data.
  @Public()
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics: HTTP latency by route and status, DB pool gauges, process metrics' })
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
