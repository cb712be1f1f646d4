import { generateKeyPairSync } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Metrics, loadConfig, startMetricsServer } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';

// Who may read /metrics (route names, pool sizes, process internals): anyone outside production,
// a scraper with METRICS_TOKEN, nobody on the API port in production without a token, and only
// the metrics port when METRICS_PORT is set.

const TOKEN = 'scrape-token-0123456789';
const PRODUCTION_KEYS = {
  NODE_ENV: 'production',
  JWT_SECRET: 'j'.repeat(40),
  AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  PII_KEKS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

describeEachDatabase('security: metrics exposure', (ctx) => {
  const apps: NestFastifyApplication[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
  });
  /** An app whose metrics settings are what `env` says, read by the real config loader. */
  async function withMetricsEnv(env: Record<string, string>): Promise<NestFastifyApplication> {
    const metrics: AppConfig['metrics'] = loadConfig(env).metrics;
    const app = await startTestApi(ctx(), { ...ctx().config, metrics });
    apps.push(app);
    return app;
  }
  const scrape = (app: NestFastifyApplication, authorization?: string) => app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  it('outside production, without settings, serves metrics on the API port', async () => {
    const res = await scrape(await withMetricsEnv({ NODE_ENV: 'development' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^db_pool_connections_total \d+/m);
  });

  it('in production without METRICS_TOKEN or METRICS_PORT, answers 404 as for any unknown route', async () => {
    const res = await scrape(await withMetricsEnv(PRODUCTION_KEYS));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect(res.body).not.toMatch(/db_pool/);
  });

  it('with METRICS_TOKEN, needs the bearer token, in production too', async () => {
    const app = await withMetricsEnv({ ...PRODUCTION_KEYS, METRICS_TOKEN: TOKEN });
    for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`]) {
      const res = await scrape(app, auth);
      expect({ status: res.statusCode, code: res.json().code }).toEqual({ status: 401, code: 'METRICS.TOKEN_REQUIRED' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).not.toMatch(/db_pool/);
    }
    expect((await scrape(app, `Bearer ${TOKEN}`)).statusCode).toBe(200);
  });

  it('with METRICS_PORT, serves metrics on that port only (with the token if one is set)', async () => {
    const app = await withMetricsEnv({ METRICS_PORT: '9464', METRICS_TOKEN: TOKEN, METRICS_HOST: '127.0.0.1' });
    expect((await scrape(app, `Bearer ${TOKEN}`)).statusCode).toBe(404);
    // The port main.ts would open, here on a free one.
    const server = await startMetricsServer(app.get(Metrics), { ...loadConfig({ METRICS_TOKEN: TOKEN }).metrics, port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${server.port}/metrics`;
      const denied = await fetch(url);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('content-type')).toMatch(/problem\+json/);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^db_pool_connections_total \d+/m);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
