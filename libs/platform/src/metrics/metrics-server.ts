import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsConfig } from '../config/config';
import { PROBLEM_CONTENT_TYPE, problemType } from '../http/problem';
import type { Metrics } from './metrics';
import { metricsTokenAccepted } from './metrics-access';

export type MetricsServer = { port: number; close(): Promise<void> };

function problem(res: ServerResponse, status: number, code: string, detail: string, headers: Record<string, string> = {}): void {
  const title = status === 401 ? 'Unauthorized' : 'Not Found';
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...headers });
  res.end(JSON.stringify({ type: problemType(code), title, status, code, detail }));
}

/**
 * /metrics on a port of its own (METRICS_PORT), for a network only Prometheus reaches: the API
 * port then does not serve it. With METRICS_TOKEN the scraper must send it here too.
 */
export async function startMetricsServer(metrics: Metrics, config: MetricsConfig): Promise<MetricsServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') return problem(res, 404, 'NOT_FOUND', 'Only GET /metrics is served on this port.');
    if (config.token && !metricsTokenAccepted(req.headers.authorization, config.token)) {
      return problem(res, 401, 'METRICS.TOKEN_REQUIRED', 'Metrics need the bearer token (METRICS_TOKEN).', { 'www-authenticate': 'Bearer' });
    }
    metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
      () => problem(res, 404, 'NOT_FOUND', 'Metrics are not available.'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
