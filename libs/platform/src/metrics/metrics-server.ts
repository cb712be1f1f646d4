import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics';

export type MetricsServer = { port: number; close(): Promise<void> };

/**
 * The worker has no HTTP application, so its metrics (job runs, projection lag) get a small
 * server of their own: GET /metrics, nothing else. Like the API's /metrics, it exposes no
 * business data and belongs on the internal network.
 */
export async function serveMetrics(metrics: Metrics, port: number, host: string): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'https://maple.dev/problems/not-found', title: 'Not Found', status: 404, code: 'NOT_FOUND' }));
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'https://maple.dev/problems/internal', title: 'Internal Server Error', status: 500, code: 'INTERNAL' })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
