import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, buildWorld, call } from '../security/world';
import type { World } from '../security/world';
import { idempotencyFixtures } from './idempotency-fixtures';

// Idempotency-Key as clients meet it: over HTTP, with the entities, events and audit rows a
// retry leaves (or must not leave) behind.
describeEachDatabase('idempotency: a retry replays the first answer and runs nothing', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  const officer = () => w.a.users.COMPLIANCE_OFFICER;
  const admin = () => w.a.users.ADMIN;
  const { count, events, records, recordsOf, amlRecord, createRecord } = idempotencyFixtures(ctx, () => app);
  const newUser = async (role = 'USER') => {
    const email = `idem.${randomUUID().slice(0, 12)}@acme.test`;
    const res = await call(app, { method: 'POST', url: '/users', token: admin().token, payload: { email, role, password: PASSWORD, name: 'Idem' } });
    expect(res.statusCode).toBe(201);
    return { id: res.json().id as string, email };
  };

  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers a retried POST /compliance/records with exactly the first response, and one record, one set of events and audit rows exist', async () => {
    const key = randomUUID();
    const body = amlRecord();
    const first = await createRecord(officer().token, body, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const stream = `compliance-record-${first.json().id}`;
    const eventsAfterFirst = await events();
    const auditAfterFirst = await count(`SELECT count(*)::int AS n FROM "AuditLog" WHERE "entityId" = $1`, [stream]);
    expect(auditAfterFirst).toBeGreaterThan(0);

    const again = await createRecord(officer().token, body, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.body).toBe(first.body);
    expect(await recordsOf(body)).toBe(1);
    expect(await events()).toBe(eventsAfterFirst);
    expect(await count(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [stream])).toBe(auditAfterFirst);
    expect(await count(`SELECT count(*)::int AS n FROM "AuditLog" WHERE "entityId" = $1`, [stream])).toBe(auditAfterFirst);
    // Without a key, the same body is a new request: a second record.
    expect((await createRecord(officer().token, body)).statusCode).toBe(201);
  });

  it('answers a retried POST /users with the same user (one User row, one registration), filtered fields and all', async () => {
    const key = `users-${randomUUID()}`;
    const payload = { email: `replay.${randomUUID().slice(0, 8)}@acme.test`, role: 'ANALYST', password: PASSWORD, name: 'Replay' };
    const first = await call(app, { method: 'POST', url: '/users', token: admin().token, payload, headers: { 'idempotency-key': key } });
    expect(first.statusCode).toBe(201);
    expect(first.json()).not.toHaveProperty('password');
    const again = await call(app, { method: 'POST', url: '/users', token: admin().token, payload, headers: { 'idempotency-key': `"${key}"` } });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await count(`SELECT count(*)::int AS n FROM "User" WHERE email = $1`, [payload.email])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM events WHERE type = 'UserRegistered' AND stream_id = $1`, [`user-${first.json().id}`])).toBe(1);
  });

  it("replays a platform administrator's retried POST /companies and POST /companies/:id/admins: one company, one administrator", async () => {
    const root = w.platform.token;
    const name = `Umbrella ${randomUUID().slice(0, 8)}`;
    const key = randomUUID();
    const create = () => call(app, { method: 'POST', url: '/companies', token: root, payload: { name, size: 'SMB', region: 'EU' }, headers: { 'idempotency-key': key } });
    const first = await create();
    expect(first.statusCode).toBe(201);
    const again = await create();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(await count(`SELECT count(*)::int AS n FROM "Company" WHERE name = $1`, [name])).toBe(1);
    // The administrator's record has no company; the command runs in the new company's scope.
    const [rec] = await ctx().superuser(`SELECT company_id, executed FROM idempotency_records WHERE key = $1`, [key]);
    expect(rec).toEqual({ company_id: null, executed: true });
    const adminKey = randomUUID();
    const payload = { email: `first.admin.${randomUUID().slice(0, 8)}@umbrella.test`, password: PASSWORD };
    const addAdmin = () => call(app, { method: 'POST', url: `/companies/${first.json().id}/admins`, token: root, payload, headers: { 'idempotency-key': adminKey } });
    const made = await addAdmin();
    expect(made.statusCode).toBe(201);
    const remade = await addAdmin();
    expect(remade.headers['idempotent-replayed']).toBe('true');
    expect(remade.body).toBe(made.body);
    expect(await count(`SELECT count(*)::int AS n FROM "User" WHERE email = $1`, [payload.email])).toBe(1);
  });

  it('refuses the same key with another body (422 IDEMPOTENCY.KEY_REUSED) and changes nothing: the role stays ANALYST', async () => {
    const u = await newUser();
    const key = randomUUID();
    const role = (r: string) => call(app, { method: 'PATCH', url: `/users/${u.id}/role`, token: admin().token, payload: { role: r }, headers: { 'idempotency-key': key } });
    const first = await role('ANALYST');
    expect(first.statusCode).toBe(200);
    expect(first.json().role).toBe('ANALYST');
    const before = await events();
    const reused = await role('USER');
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reused.json()).toMatchObject({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
    expect(await events()).toBe(before);
    const now = await call(app, { method: 'GET', url: `/users/${u.id}`, token: admin().token });
    expect(now.json().role).toBe('ANALYST');
    // The same key on another route is another request too.
    const elsewhere = await call(app, { method: 'POST', url: `/users/${u.id}/deactivate`, token: admin().token, headers: { 'idempotency-key': key } });
    expect(elsewhere.statusCode).toBe(422);
    // And the original request still gets its answer.
    const replay = await role('ANALYST');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
  });

  it("keeps each caller's keys apart: the same key from another user, or another company, runs on its own", async () => {
    const key = randomUUID();
    const body = amlRecord();
    const mine = await createRecord(officer().token, body, key);
    const colleague = await createRecord(admin().token, body, key);
    const otherCompany = await createRecord(w.b.users.COMPLIANCE_OFFICER.token, body, key);
    for (const r of [mine, colleague, otherCompany]) {
      expect(r.statusCode).toBe(201);
      expect(r.headers['idempotent-replayed']).toBeUndefined();
    }
    expect(new Set([mine, colleague, otherCompany].map((r) => r.json().id)).size).toBe(3);
    expect(otherCompany.json().companyId).toBe(w.b.companyId);
    expect(await records(key)).toBe(3);
  });

  it('refuses a malformed key with 400 IDEMPOTENCY.KEY_INVALID and writes nothing', async () => {
    const before = await events();
    for (const key of ['short', 'with spaces in it', 'k'.repeat(129), "abc'; DROP TABLE events;--"]) {
      const res = await createRecord(officer().token, amlRecord(), key);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, code: 'IDEMPOTENCY.KEY_INVALID' });
      expect(res.body).not.toMatch(/DROP TABLE|SELECT|\bat \w+ \(/);
    }
    // Two keys in one request (Node joins repeated headers with a comma): refused as well.
    const two = await call(app, { method: 'POST', url: '/compliance/records', token: officer().token, payload: amlRecord(), headers: { 'idempotency-key': ['key-00000001', 'key-00000002'] as unknown as string } });
    expect(two.statusCode).toBe(400);
    expect(await events()).toBe(before);
  });

  it('keeps no record of a request refused before its handler (401, 403, bad body): a retry runs again', async () => {
    const key = randomUUID();
    const body = amlRecord();
    expect((await call(app, { method: 'POST', url: '/compliance/records', payload: body, headers: { 'idempotency-key': key } })).statusCode).toBe(401);
    expect((await createRecord(w.a.users.VIEWER.token, body, key)).statusCode).toBe(403);
    const invalid = await createRecord(officer().token, { type: 'AML' }, key);
    expect(invalid.statusCode).toBe(400);
    expect(await records(key)).toBe(0);
    const fixed = await createRecord(officer().token, body, key);
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps no record of a 5xx that wrote nothing: the retry with the same key runs and creates the record once', async () => {
    const key = randomUUID();
    const body = amlRecord();
    // A real failure inside the command's transaction: the read model refuses the insert.
    await ctx().superuser(`REVOKE INSERT ON "ComplianceRecord" FROM maple_app`);
    let failed;
    try {
      failed = await createRecord(officer().token, body, key);
    } finally {
      await ctx().superuser(`GRANT INSERT ON "ComplianceRecord" TO maple_app`);
    }
    expect(failed.statusCode).toBe(500);
    expect(await records(key)).toBe(0);
    const retried = await createRecord(officer().token, body, key);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await recordsOf(body)).toBe(1);
  });

  it('ignores the key on sign-in: a wrong password sent twice with one key is 401 both times, and tokens are never replayed', async () => {
    const u = await newUser();
    const key = randomUUID();
    const login = (password: string) => call(app, { method: 'POST', url: '/auth/login', payload: { email: u.email, password }, headers: { 'idempotency-key': key } });
    for (let i = 0; i < 2; i++) {
      const wrong = await login('not-the-password-at-all');
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().code).toBe('IDENTITY.INVALID_CREDENTIALS');
      expect(wrong.json()).not.toHaveProperty('accessToken');
    }
    const a = await login(PASSWORD);
    const b = await login(PASSWORD);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    for (const r of [a, b]) expect(r.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().refreshToken).not.toBe(a.json().refreshToken);
    const refreshed = await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: a.json().refreshToken }, headers: { 'idempotency-key': key } });
    expect(refreshed.statusCode).toBe(200);
    // The refresh token was rotated: presenting it again with the same key is refused, not replayed.
    const reused = await call(app, { method: 'POST', url: '/auth/refresh', payload: { refreshToken: a.json().refreshToken }, headers: { 'idempotency-key': key } });
    expect(reused.statusCode).toBe(401);
    expect(await records(key)).toBe(0);
  });
});
