import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BootstrapAdmin } from '@maple/identity';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, call, signIn } from '../security/world';

describeEachDatabase('GET /admin/database/slow-queries', (ctx) => {
  let app: NestFastifyApplication;
  let platform: string;
  let companyAdmin: string;

  beforeAll(async () => {
    app = await startTestApi(ctx());
    await app.get(BootstrapAdmin).createPlatformAdmin('root.slow@platform.test', PASSWORD, 'Root');
    platform = (await signIn(app, 'root.slow@platform.test')).token;
    const company = await call(app, { method: 'POST', url: '/companies', token: platform, payload: { name: 'Slow Co', size: 'SMB', region: 'EU' } });
    const email = 'admin.slow@acme.test';
    const adm = await call(app, { method: 'POST', url: `/companies/${company.json().id}/admins`, token: platform, payload: { email, password: PASSWORD } });
    expect(adm.statusCode).toBe(201);
    companyAdmin = (await signIn(app, email)).token;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('tells a platform administrator whether statistics are available, and why not', async () => {
    const res = await call(app, { method: 'GET', url: '/admin/database/slow-queries?limit=5', token: platform });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // Neither database here preloads pg_stat_statements (see slow-queries.int-spec.ts).
    expect(body).toEqual({ available: false, reason: expect.stringMatching(/pg_stat_statements is not (installed|loaded)/) });
  });

  it('is closed to company administrators (403) and to anonymous callers (401), as problem+json', async () => {
    const forbidden = await call(app, { method: 'GET', url: '/admin/database/slow-queries', token: companyAdmin });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers['content-type']).toMatch(/application\/problem\+json/);
    const anonymous = await call(app, { method: 'GET', url: '/admin/database/slow-queries' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it.each(['0', '101', 'abc', '1.5'])('refuses limit=%s with 400 problem+json that shows no SQL', async (limit) => {
    const res = await call(app, { method: 'GET', url: `/admin/database/slow-queries?limit=${limit}`, token: platform });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).not.toMatch(/pg_stat_statements|SELECT/i);
  });

  it('is described in the OpenAPI document with its permission and schema', async () => {
    const doc = (await call(app, { method: 'GET', url: '/docs-json' })).json();
    const op = doc.paths['/admin/database/slow-queries'].get;
    expect(op['x-permissions']).toEqual(['platform:monitor']);
    expect(op.summary).toMatch(/pg_stat_statements/);
    expect(op.responses['200'].content['application/json'].schema.$ref).toMatch(/SlowQueriesDto$/);
  });
});
