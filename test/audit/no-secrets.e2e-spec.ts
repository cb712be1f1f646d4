import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { verifyExport } from '@maple/audit';
import type { OfflineResult } from '@maple/audit';
import { hashPassword } from '@maple/identity';
import { createRootLogger } from '@maple/platform';
import { createApi } from '../../apps/api/bootstrap';
import { describeEachDatabase } from '../support/databases';
import { PASSWORD, buildWorld, call, signIn } from '../security/world';
import type { World } from '../security/world';

// Defect 3 of issue 11: UserRegistered and PasswordChanged carried the argon2 hash, and the audit
// routes, the export and the entity history showed it. Users are registered and change their
// passwords here through the API, and one user is stored as migration 20261201030000 finds a
// user of before: version-1 events and AuditLog rows that hold the hash. Then every audit and
// user route is read by every kind of auditor, and the export is verified offline. No answer
// and no log line may hold an argon2 string.

const ARGON2 = '$argon2';
type Doc = { paths: Record<string, Record<string, unknown>> };

describeEachDatabase('audit: no credential leaves through any output', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  const logLines: string[] = [];
  const bodies: { what: string; body: string }[] = [];
  const legacy = { id: randomUUID(), email: `legacy.${randomUUID().slice(0, 8)}@acme.test` };
  const started = new Date(Date.now() - 60_000).toISOString();

  /** Calls the API and keeps the answer, for the search at the end. */
  const read = async (what: string, r: Parameters<typeof call>[1]) => {
    const res = await call(app, r);
    bodies.push({ what: `${what} -> ${res.statusCode}`, body: res.body });
    return res;
  };

  // What the old code wrote for a user: version-1 events with the hash (through the event
  // store's own function, so they are chained and hashed like any other) and AuditLog rows
  // whose `changes` hold it. The migration moved the hash to user_credentials.
  async function storeLegacyUser(companyId: string, adminId: string): Promise<void> {
    const t = ctx();
    const [registered, changed] = [await hashPassword(PASSWORD), await hashPassword(`old-${PASSWORD}`)];
    await t.superuser(`INSERT INTO "User" (id, email, role, "companyId", "createdAt", "updatedAt", "createdBy") VALUES ($1, $2, 'USER', $3, now(), now(), $4)`, [legacy.id, legacy.email, companyId, adminId]);
    await t.superuser(`INSERT INTO user_credentials (user_id, company_id, password_hash) VALUES ($1, $2, $3)`, [legacy.id, companyId, registered]);
    const old = [
      { type: 'UserRegistered', data: { userId: legacy.id, email: legacy.email, name: null, role: 'USER', companyId, passwordHash: registered } },
      { type: 'PasswordChanged', data: { userId: legacy.id, passwordHash: changed } },
    ].map((e) => ({ ...e, eventId: randomUUID(), schemaVersion: 1, metadata: { actorId: adminId, companyId, correlationId: randomUUID(), causationId: null, ip: '10.0.0.1', userAgent: 'old', schemaVersion: 1 } }));
    await t.superuser(`SELECT 1 FROM events_append($1, 'User', $2, 0, $3::jsonb)`, [`user-${legacy.id}`, companyId, JSON.stringify(old)]);
    for (const [i, e] of old.entries()) {
      await t.superuser(
        `INSERT INTO "AuditLog" (id, action, "entityType", "entityId", "userId", "companyId", changes, "ipAddress", "userAgent", "timestamp")
         VALUES ($1, $2, 'User', $3, $4, $5, $6::jsonb, '10.0.0.1', 'old', now() AT TIME ZONE 'UTC')`,
        [e.eventId, i === 0 ? 'CREATE' : 'UPDATE', `user-${legacy.id}`, adminId, companyId, JSON.stringify({ before: {}, after: e.data })],
      );
    }
  }

  beforeAll(async () => {
    const t = ctx();
    const sink = { write: (line: string) => void logLines.push(line) };
    app = await createApi({ config: t.config, database: t.db, ownsDatabase: false, logger: createRootLogger('trace', sink) });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    w = await buildWorld(app);
    await storeLegacyUser(w.a.companyId, w.a.users.ADMIN.id);
    // Password changes, sign-ins with the new passwords, a failed sign-in and a refresh.
    for (const u of [w.a.users.USER, w.a.users.ANALYST]) {
      const res = await read('change password', { method: 'POST', url: '/auth/password', token: u.token, payload: { currentPassword: PASSWORD, newPassword: `new-${PASSWORD}` } });
      expect(res.statusCode).toBe(200);
      await signIn(app, u.email, `new-${PASSWORD}`);
    }
    expect((await read('failed sign-in', { method: 'POST', url: '/auth/login', payload: { email: w.a.users.USER.email, password: 'not-the-password-1' } })).statusCode).toBe(401);
    expect((await read('refresh', { method: 'POST', url: '/auth/refresh', payload: { refreshToken: w.a.users.VIEWER.refreshToken } })).statusCode).toBe(200);
    // The user stored the old way signs in with the credential the migration moved.
    await signIn(app, legacy.email);
  });
  afterAll(async () => {
    await app.close();
  });

  it('has secrets to leak: the old events and audit rows really hold argon2 hashes in the database', async () => {
    const [events] = await ctx().superuser(`SELECT count(*)::int AS n FROM events WHERE data::text LIKE '%$argon2%'`);
    expect(Number(events.n)).toBe(2);
    const [rows] = await ctx().superuser(`SELECT count(*)::int AS n FROM "AuditLog" WHERE changes::text LIKE '%$argon2%'`);
    expect(Number(rows.n)).toBe(2);
    // New events are version 2 and carry no hash at all.
    const fresh = await ctx().superuser(`SELECT DISTINCT type, schema_version FROM events WHERE type IN ('UserRegistered', 'PasswordChanged') AND data::text NOT LIKE '%$argon2%' ORDER BY 1`);
    expect(fresh).toEqual([{ type: 'PasswordChanged', schema_version: 2 }, { type: 'UserRegistered', schema_version: 2 }]);
  });

  it('shows no argon2 string on any user or audit route, to any auditor', async () => {
    const doc = (await call(app, { method: 'GET', url: '/docs-json' })).json() as Doc;
    const gets = Object.entries(doc.paths).filter(([, ops]) => 'get' in ops).map(([p]) => p);
    const users = [...Object.values(w.a.users), { id: legacy.id }].map((u) => u.id);
    const entities = users.flatMap((id) => [`User/user-${id}`, `SignIn/signin-${id}`]);
    // Everyone who may read audit data, and so the user routes' administrator.
    const readers = { platform: w.platform.token, admin: w.a.users.ADMIN.token, officer: w.a.users.COMPLIANCE_OFFICER.token };
    const urls = gets.flatMap((p) => {
      if (p.includes('{type}')) return entities.flatMap((e) => { const [type, id] = e.split('/'); return [p.replace('{type}', type).replace('{id}', id)]; });
      if (p.includes('{id}')) return [...users, w.a.companyId].map((id) => p.replace('{id}', id));
      return [p];
    });
    const queries = ['', `?companyId=${w.a.companyId}`, '?limit=500', `?entityType=User&limit=500&companyId=${w.a.companyId}`];
    let ok = 0;
    for (const [who, token] of Object.entries(readers)) {
      for (const url of urls) {
        for (const q of url.startsWith('/audit/logs') ? queries : ['']) {
          const res = await read(`${who} GET ${url}${q}`, { method: 'GET', url: `${url}${q}`, token });
          if (res.statusCode === 200) ok++;
        }
      }
    }
    // The walk read real data: the legacy user's history and state, and audit logs that include its rows.
    expect(bodies.find((b) => b.what === `admin GET /audit/entities/User/user-${legacy.id}/history -> 200`)?.body).toContain('PasswordChanged');
    expect(bodies.find((b) => b.what === `officer GET /audit/logs?entityType=User&limit=500&companyId=${w.a.companyId} -> 200`)?.body).toContain(`user-${legacy.id}`);
    expect(bodies.find((b) => b.what === `admin GET /users/${legacy.id} -> 200`)?.body).toContain(legacy.email);
    expect(ok).toBeGreaterThan(100);
    expect(bodies.filter((b) => b.body.includes(ARGON2)).map((b) => b.what)).toEqual([]);
  });

  it('exports the chain without the secrets, and the offline verifier reports the redacted lines', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const exp = await read('export', { method: 'GET', url: `/audit/export?companyId=${w.a.companyId}&from=${started}&to=${to}`, token: w.a.users.COMPLIANCE_OFFICER.token });
    expect(exp.statusCode).toBe(200);
    expect(exp.body).not.toContain(ARGON2);
    const key = (await call(app, { method: 'GET', url: '/audit/public-key' })).json().publicKeyPem as string;
    const result = verifyExport(exp.body, key) as Extract<OfflineResult, { valid: true }>;
    expect(result).toMatchObject({ valid: true });
    // Exactly the two old events are withheld; every other line was rehashed.
    expect(result.redacted.map((r) => r.fields)).toEqual([['/data/passwordHash'], ['/data/passwordHash']]);
    expect(result.hashVerified).toBe(result.events - 2);
    expect(result.hashVerified).toBeGreaterThanOrEqual(20);
  });

  it('writes no argon2 string into any log line', () => {
    expect(logLines.length).toBeGreaterThan(50);
    expect(logLines.filter((l) => l.includes(ARGON2))).toEqual([]);
  });
});
