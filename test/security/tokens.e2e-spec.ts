import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, call, forgeToken, validClaims } from './world';
import { BootstrapAdmin } from '@maple/identity';
import { loadConfig } from '@maple/platform';

describeEachDatabase('security: access tokens', (ctx) => {
  let app: NestFastifyApplication;
  let who: { userId: string; companyId: null; role: 'ADMIN' };
  beforeAll(async () => {
    app = await startTestApi(ctx());
    const { id } = await app.get(BootstrapAdmin).createPlatformAdmin('tokens.root@platform.test', PASSWORD, null);
    who = { userId: id, companyId: null, role: 'ADMIN' };
  });
  afterAll(async () => {
    await app.close();
  });

  const me = (token: string) => call(app, { method: 'GET', url: '/me', token });
  const secret = () => ctx().config.auth.jwtSecret;

  it('accepts a well-formed token signed with the key (the forgeries below differ in one thing only)', async () => {
    expect((await me(forgeToken(validClaims(ctx().config, who), { secret: secret() }))).statusCode).toBe(200);
  });

  it('rejects alg none', async () => {
    const res = await me(forgeToken(validClaims(ctx().config, who), { alg: 'none', sign: false }));
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('rejects another algorithm even with the right key (the algorithm is pinned)', async () => {
    const claims = validClaims(ctx().config, who);
    const b = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const body = `${b({ alg: 'HS512', typ: 'JWT' })}.${b(claims)}`;
    const { createHmac } = await import('node:crypto');
    const hs512 = `${body}.${createHmac('sha512', secret()).update(body).digest('base64url')}`;
    expect((await me(hs512)).statusCode).toBe(401);
  });

  it('rejects a wrong signature', async () => {
    expect((await me(forgeToken(validClaims(ctx().config, who), { secret: 'not-the-key-not-the-key-not-the-key' }))).statusCode).toBe(401);
  });

  it('rejects a wrong audience or issuer', async () => {
    expect((await me(forgeToken(validClaims(ctx().config, who, { aud: 'someone-else' }), { secret: secret() }))).statusCode).toBe(401);
    expect((await me(forgeToken(validClaims(ctx().config, who, { iss: 'evil' }), { secret: secret() }))).statusCode).toBe(401);
  });

  it('rejects an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect((await me(forgeToken(validClaims(ctx().config, who, { iat: past - 60, exp: past }), { secret: secret() }))).statusCode).toBe(401);
  });

  it('rejects a token with an unknown role or malformed claims, and garbage', async () => {
    expect((await me(forgeToken(validClaims(ctx().config, who, { role: 'SUPERUSER' }), { secret: secret() }))).statusCode).toBe(401);
    expect((await me(forgeToken(validClaims(ctx().config, who, { company: 42 }), { secret: secret() }))).statusCode).toBe(401);
    expect((await me('not.a.jwt')).statusCode).toBe(401);
  });

  it('accepts a token on another API process with the same JWT_SECRET, and not on one with its own random key', async () => {
    const token = forgeToken(validClaims(ctx().config, who), { secret: secret() });
    const sameKey = await startTestApi(ctx());
    // What a process without JWT_SECRET does: it makes up a key of its own.
    const ownKey = await startTestApi(ctx(), { ...ctx().config, auth: loadConfig({ NODE_ENV: 'test' }).auth });
    try {
      expect((await call(sameKey, { method: 'GET', url: '/me', token })).statusCode).toBe(200);
      expect((await call(ownKey, { method: 'GET', url: '/me', token })).statusCode).toBe(401);
    } finally {
      await sameKey.close();
      await ownKey.close();
    }
  });

  it('ignores company headers and query parameters: the company comes from the token only', async () => {
    const res = await call(app, { method: 'GET', url: '/users?companyId=other', token: forgeToken(validClaims(ctx().config, who), { secret: secret() }), headers: { 'x-company-id': 'other' } });
    // A platform administrator has no users:read at all; nothing in the request can change that.
    expect(res.statusCode).toBe(403);
  });
});
