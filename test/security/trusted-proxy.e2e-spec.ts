import { request } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import { BootstrapAdmin } from '@maple/identity';
import { createRootLogger, loadConfig } from '@maple/platform';
import { companyStreamId } from '@maple/tenancy';
import { describeEachDatabase } from '../support/databases';
import { PASSWORD } from './world';

// X-Forwarded-For over real sockets: the API on 127.0.0.1, clients connecting from 127.0.0.1 and
// from 127.0.0.2 (another loopback address, so "another peer"). What the header may change: the
// ip in the hash-chained event metadata and in the audit log, and whom the per-ip sign-in
// throttle and the global rate limit count.

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: Record<string, unknown> };

function send(base: string, r: { method: string; path: string; from?: string; forwardedFor?: string; token?: string; body?: unknown }): Promise<Answer> {
  const u = new URL(r.path, base);
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: r.method,
        localAddress: r.from ?? '127.0.0.1',
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
          ...(r.forwardedFor ? { 'x-forwarded-for': r.forwardedFor } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describeEachDatabase('security: who may name the client address (TRUST_PROXY)', (ctx) => {
  const apps: NestFastifyApplication[] = [];
  let rootEmail: string;
  let rootToken: string;
  let n = 0;

  /**
   * A listening API over this test's database, with TRUST_PROXY and the per-ip limits read from
   * `env` by the real config loader; the signing key is shared, so one token works on all of them.
   */
  async function api(env: Record<string, string>): Promise<string> {
    const read = loadConfig({ NODE_ENV: 'test', ...env });
    const base = ctx().config;
    const config = { ...base, trustProxy: read.trustProxy, auth: { ...base.auth, ipFailureLimit: read.auth.ipFailureLimit, rateLimitPerMinute: read.auth.rateLimitPerMinute } };
    const app = await createApi({ config, database: ctx().db, ownsDatabase: false, logger: createRootLogger('silent') });
    await app.listen({ port: 0, host: '127.0.0.1' });
    apps.push(app);
    return app.getUrl();
  }

  beforeAll(async () => {
    rootEmail = 'root.proxy@platform.test';
    const first = await api({});
    const app = apps[0];
    await app.get(BootstrapAdmin).createPlatformAdmin(rootEmail, PASSWORD, null);
    expect(first).toMatch(/^http:\/\/127\.0\.0\.1:/);
    // Every app here shares the signing key, so one sign-in serves them all.
    rootToken = (await send(first, { method: 'POST', path: '/auth/login', body: { email: rootEmail, password: PASSWORD } })).body.accessToken as string;
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  /** Creates a company through `base` and returns the ip its event and audit row recorded. */
  async function recordedIp(base: string, r: { from?: string; forwardedFor?: string }): Promise<{ event: unknown; audit: unknown; history: unknown }> {
    const name = `Proxy test ${++n}`;
    const token = rootToken;
    const res = await send(base, { method: 'POST', path: '/companies', token, body: { name }, ...r });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const [event] = await ctx().superuser(`SELECT metadata->>'ip' AS ip FROM events WHERE type = 'CompanyCreated' AND data->>'companyId' = $1`, [id]);
    const stream = companyStreamId(id);
    const [audit] = await ctx().superuser(`SELECT "ipAddress" AS ip FROM "AuditLog" WHERE "entityType" = 'Company' AND "entityId" = $1`, [stream]);
    // What an auditor sees over HTTP.
    const history = await send(base, { method: 'GET', path: `/audit/entities/Company/${stream}/history?companyId=${id}`, token });
    return { event: event?.ip, audit: audit?.ip, history: (history.body.items as { ip: string }[] | undefined)?.[0]?.ip };
  }

  const allThree = (ip: string) => ({ event: ip, audit: ip, history: ip });

  it('by default ignores X-Forwarded-For: the evidence holds the address of the socket', async () => {
    const base = await api({});
    expect(await recordedIp(base, { forwardedFor: '203.0.113.7' })).toEqual(allThree('127.0.0.1'));
    expect(await recordedIp(base, { from: '127.0.0.2', forwardedFor: '203.0.113.7' })).toEqual(allThree('127.0.0.2'));
  });

  it('by default a new forged address per attempt does not get past the sign-in throttle', async () => {
    const base = await api({ LOGIN_IP_FAILURE_LIMIT: '3' });
    const attempt = (i: number) => send(base, { method: 'POST', path: '/auth/login', forwardedFor: `198.51.100.${i}`, body: { email: 'nobody@acme.test', password: 'wrong-password-123' } });
    for (let i = 1; i <= 3; i++) expect((await attempt(i)).status).toBe(401);
    const blocked = await attempt(4);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('IDENTITY.RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('by default a new forged address per request does not get past the per-ip rate limit', async () => {
    const base = await api({ RATE_LIMIT_PER_MINUTE: '5' });
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) statuses.push((await send(base, { method: 'GET', path: '/audit/public-key', forwardedFor: `198.51.100.${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('with TRUST_PROXY listing the proxy, the address it forwards is the one recorded and counted', async () => {
    const base = await api({ TRUST_PROXY: '127.0.0.1', LOGIN_IP_FAILURE_LIMIT: '3' });
    expect(await recordedIp(base, { forwardedFor: '203.0.113.7' })).toEqual(allThree('203.0.113.7'));
    const attempt = (client: string) => send(base, { method: 'POST', path: '/auth/login', forwardedFor: client, body: { email: 'nobody@acme.test', password: 'wrong-password-123' } });
    for (let i = 0; i < 3; i++) expect((await attempt('198.51.100.20')).status).toBe(401);
    expect((await attempt('198.51.100.20')).status).toBe(429);
    // Another client behind the same proxy is counted on its own.
    expect((await attempt('198.51.100.21')).status).toBe(401);
  });

  it('with TRUST_PROXY set, a forged header from a peer that is not a listed proxy changes nothing', async () => {
    const base = await api({ TRUST_PROXY: '127.0.0.1/32,10.0.0.0/8', LOGIN_IP_FAILURE_LIMIT: '2' });
    expect(await recordedIp(base, { from: '127.0.0.2', forwardedFor: '203.0.113.7' })).toEqual(allThree('127.0.0.2'));
    const attempt = (i: number) => send(base, { method: 'POST', path: '/auth/login', from: '127.0.0.2', forwardedFor: `198.51.100.${i}`, body: { email: 'nobody@acme.test', password: 'wrong-password-123' } });
    expect([(await attempt(1)).status, (await attempt(2)).status, (await attempt(3)).status]).toEqual([401, 401, 429]);
  });

  it('with a hop count, the client is the address the nearest proxy appended', async () => {
    const base = await api({ TRUST_PROXY: '1' });
    // The client wrote 192.0.2.1 itself; the proxy appended the address it saw.
    expect(await recordedIp(base, { forwardedFor: '192.0.2.1, 203.0.113.9' })).toEqual(allThree('203.0.113.9'));
  });
});
