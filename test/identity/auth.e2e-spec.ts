import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, buildWorld, call, signIn } from '../security/world';
import type { World } from '../security/world';

describeEachDatabase('identity: sign-in, tokens, users', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('GET /me answers the signed-in user without the password', async () => {
    const res = await call(app, { method: 'GET', url: '/me', token: w.a.users.VIEWER.token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: w.a.users.VIEWER.id, role: 'VIEWER', companyId: w.a.companyId, createdBy: w.a.users.ADMIN.id });
    expect(res.json()).not.toHaveProperty('password');
    expect(res.json().lastLoginAt).not.toBeNull();
  });

  it('e-mail is unique whatever its case', async () => {
    const res = await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email: w.a.users.USER.email.toUpperCase(), role: 'USER', password: PASSWORD } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('IDENTITY.EMAIL_ALREADY_EXISTS');
    // Signing in with another case of the address works.
    await expect(signIn(app, w.a.users.USER.email.toUpperCase())).resolves.toHaveProperty('token');
  });

  it('refuses short and common passwords', async () => {
    for (const password of ['short-pw', 'Password1234']) {
      const res = await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email: `p${password.length}@acme.test`, role: 'USER', password } });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('IDENTITY.PASSWORD_INVALID');
    }
  });

  it('rejects privileged fields smuggled into a body', async () => {
    const res = await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email: 'smuggle@acme.test', role: 'USER', password: PASSWORD, companyId: w.b.companyId } });
    expect(res.statusCode).toBe(400);
  });

  it('refresh rotates; a reused refresh token revokes its whole family (and is audited)', async () => {
    const first = await signIn(app, w.a.users.ANALYST.email);
    const r1 = await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(r1.statusCode).toBe(200);
    const second = r1.json().refreshToken as string;
    expect(second).not.toBe(first.refreshToken);
    const me = await call(app, { method: 'GET', url: '/me', token: r1.json().accessToken });
    expect(me.statusCode).toBe(200);
    // The old token comes back (stolen copy): refused, and the family dies with it.
    const reuse = await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: first.refreshToken } });
    expect(reuse.statusCode).toBe(401);
    const afterTheft = await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: second } });
    expect(afterTheft.statusCode).toBe(401);
    const ev = await ctx().superuser(`SELECT type FROM events WHERE stream_id = $1 AND type = 'RefreshTokenReuseDetected'`, [`signin-${w.a.users.ANALYST.id}`]);
    expect(ev).toHaveLength(1);
    const audit = await ctx().superuser(`SELECT count(*)::int AS n FROM "AuditLog" WHERE id = (SELECT event_id::text FROM events WHERE stream_id = $1 AND type = 'RefreshTokenReuseDetected')`, [`signin-${w.a.users.ANALYST.id}`]);
    expect(Number(audit[0].n)).toBe(1);
  });

  it('logout revokes the session', async () => {
    const s = await signIn(app, w.a.users.USER.email);
    const out = await call(app, { method: 'POST', url: '/auth/logout', token: s.token, payload: { refreshToken: s.refreshToken } });
    expect(out.statusCode).toBe(200);
    expect(out.json().revoked).toBe(1);
    expect((await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: s.refreshToken } })).statusCode).toBe(401);
  });

  it('a password change revokes existing sessions and the old password stops working', async () => {
    const u = w.a.users.HR_MANAGER;
    const s = await signIn(app, u.email);
    const next = 'copper-meadow-violin-77';
    const res = await call(app, { method: 'POST', url: '/auth/password', token: s.token, payload: { currentPassword: PASSWORD, newPassword: next } });
    expect(res.statusCode).toBe(200);
    expect(res.json().revokedSessions).toBeGreaterThanOrEqual(2);
    expect((await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: s.refreshToken } })).statusCode).toBe(401);
    expect((await call(app, { method: 'POST', url: '/auth/login', payload: { email: u.email, password: PASSWORD } })).statusCode).toBe(401);
    await expect(signIn(app, u.email, next)).resolves.toHaveProperty('token');
  });

  it('admins change roles, deactivate and reactivate users of their company', async () => {
    const target = w.a.users.USER;
    const admin = w.a.users.ADMIN.token;
    const role = await call(app, { method: 'PATCH', url: `/users/${target.id}/role`, token: admin, payload: { role: 'ANALYST' } });
    expect(role.statusCode).toBe(200);
    expect(role.json()).toMatchObject({ role: 'ANALYST', updatedBy: w.a.users.ADMIN.id });
    expect((await call(app, { method: 'POST', url: `/users/${target.id}/deactivate`, token: admin })).statusCode).toBe(200);
    const refused = await call(app, { method: 'POST', url: '/auth/login', payload: { email: target.email, password: PASSWORD } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('IDENTITY.ACCOUNT_DISABLED');
    expect((await call(app, { method: 'POST', url: `/users/${target.id}/reactivate`, token: admin })).statusCode).toBe(200);
    await expect(signIn(app, target.email)).resolves.toHaveProperty('token');
    const list = await call(app, { method: 'GET', url: '/users', token: admin });
    expect(list.json().items.every((u: { companyId: string }) => u.companyId === w.a.companyId)).toBe(true);
    expect(list.json().total).toBeGreaterThanOrEqual(6);
  });

  it('an admin cannot deactivate themselves', async () => {
    const res = await call(app, { method: 'POST', url: `/users/${w.a.users.ADMIN.id}/deactivate`, token: w.a.users.ADMIN.token });
    expect(res.statusCode).toBe(403);
  });

  it('ten wrong passwords lock the account for the configured time; the lockout is an audited event off the user stream', async () => {
    const victim = w.b.users.ANALYST;
    for (let i = 1; i <= 10; i++) {
      const res = await call(app, { method: 'POST', url: '/auth/login', payload: { email: victim.email, password: `wrong-password-${i}` } });
      expect(res.statusCode).toBe(401);
    }
    const locked = await call(app, { method: 'POST', url: '/auth/login', payload: { email: victim.email, password: PASSWORD } });
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe('IDENTITY.ACCOUNT_LOCKED');
    const events = await ctx().superuser(`SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version`, [`signin-${victim.id}`]);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'SignInFailed')).toHaveLength(11);
    expect(types).toContain('UserLockedOut');
    const audit = await ctx().superuser(
      `SELECT count(*)::int AS n FROM "AuditLog" a JOIN events e ON e.event_id::text = a.id WHERE a."entityId" = $1 AND e.type = 'UserLockedOut'`,
      [`signin-${victim.id}`],
    );
    expect(Number(audit[0].n)).toBe(1);
    // The flood did not touch the User aggregate: its stream is what administrators did to it.
    const userStream = await ctx().superuser(`SELECT type FROM events WHERE stream_id = $1 ORDER BY version`, [`user-${victim.id}`]);
    expect(userStream.map((e) => e.type)).toEqual(['UserRegistered']);
  });

  it("a deactivated company's users cannot sign in or refresh", async () => {
    const u = w.b.users.VIEWER;
    const s = await signIn(app, u.email);
    expect((await call(app, { method: 'POST', url: `/companies/${w.b.companyId}/deactivate`, token: w.platform.token, payload: { reason: 'contract ended' } })).statusCode).toBe(200);
    const res = await call(app, { method: 'POST', url: '/auth/login', payload: { email: u.email, password: PASSWORD } });
    expect(res.statusCode).toBe(403);
    expect((await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: s.refreshToken } })).statusCode).toBe(401);
    expect((await call(app, { method: 'POST', url: `/companies/${w.b.companyId}/reactivate`, token: w.platform.token })).statusCode).toBe(200);
    await expect(signIn(app, u.email)).resolves.toHaveProperty('token');
  });
});
