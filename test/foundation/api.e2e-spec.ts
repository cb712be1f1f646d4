import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';

describeEachDatabase('API foundation', (ctx) => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startTestApi(ctx());
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers liveness and readiness (database reachable, migrations current)', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    // `warnings` may name a long transaction elsewhere in the cluster; it never fails readiness.
    expect(ready.json()).toMatchObject({ status: 'ok', checks: expect.objectContaining({ database: 'ok', migrations: 'ok' }) });
  });

  it('readiness fails with problem+json when a migration is missing from the database', async () => {
    await ctx().superuser(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations)`);
    try {
      const res = await app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 503, code: 'NOT_READY' });
      expect(res.json().detail).toMatch(/migrations: pending/);
    } finally {
      await ctx().superuser(`UPDATE _prisma_migrations SET rolled_back_at = NULL`);
    }
  });

  it('serves the OpenAPI 3 document and Swagger UI', async () => {
    const doc = await app.inject({ method: 'GET', url: '/docs-json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/metrics']));
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
  });

  it('gives an unknown route 404 as problem+json', async () => {
    const res = await app.inject({ method: 'GET', url: '/no/such/route' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found', type: expect.any(String) });
  });

  it('gives a malformed JSON body 400 as problem+json without internals', async () => {
    const res = await app.inject({ method: 'POST', url: '/health/live', headers: { 'content-type': 'application/json' }, payload: '{"a": ' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    expect(res.body).not.toMatch(/\bat \w+ \(|node_modules|SELECT /);
  });

  it('tags each response with a request id, keeping a well-formed one from the caller', async () => {
    const mine = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'trace-12345678' } });
    expect(mine.headers['x-request-id']).toBe('trace-12345678');
    const junk = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes Prometheus metrics: latency by route and status, DB pool gauges', async () => {
    await app.inject({ method: 'GET', url: '/no/such/route' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health\/live"[^}]*status="200"/);
    expect(res.body).toMatch(/http_request_duration_seconds_count\{[^}]*status="404"/);
    expect(res.body).toMatch(/^db_pool_connections_total \d+/m);
    expect(res.body).toMatch(/^db_pool_waiting_requests \d+/m);
  });

  it('sends security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });
});
