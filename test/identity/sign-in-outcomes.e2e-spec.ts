import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Tx } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, buildWorld, call } from '../security/world';
import type { World } from '../security/world';

// Defect 1 of issue 11: a retried failed sign-in (same Idempotency-Key) answered 200 with working
// tokens, because the outcome was read from "no events came back". A sign-in's answer is now the
// decision recorded in its transaction; these send every refusal twice with one key.

describeEachDatabase('identity: a refused sign-in stays refused when retried', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const sessionsOf = async (userId: string) => Number((await ctx().superuser(`SELECT count(*)::int AS n FROM refresh_tokens WHERE user_id = $1`, [userId]))[0].n);
  const attemptsOf = async (userId: string) =>
    (await ctx().superuser(`SELECT type, data->>'reason' AS reason FROM events WHERE stream_id = $1 ORDER BY version`, [`signin-${userId}`])).map((r) => `${r.type}${r.reason ? `:${r.reason}` : ''}`);

  /**
   * The same sign-in sent twice with one Idempotency-Key: both answers are the refusal, neither
   * carries a token, no session was created, and both attempts were recorded with the reason.
   */
  async function refusedTwice(u: { id: string; email: string }, password: string, status: number, code: string, reason: string) {
    const sessions = await sessionsOf(u.id);
    const attempts = (await attemptsOf(u.id)).length;
    const key = randomUUID();
    const send = () => call(app, { method: 'POST', url: '/auth/login', payload: { email: u.email, password }, headers: { 'idempotency-key': key } });
    const answers = [await send(), await send()];
    for (const a of answers) {
      expect(a.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(a.body).not.toMatch(/accessToken|refreshToken|eyJ/);
    }
    expect(answers.map((a) => ({ status: a.statusCode, code: a.json().code as string }))).toEqual([{ status, code }, { status, code }]);
    expect(await sessionsOf(u.id)).toBe(sessions);
    expect((await attemptsOf(u.id)).slice(attempts)).toEqual([`SignInFailed:${reason}`, `SignInFailed:${reason}`]);
  }

  it('a wrong password sent twice with one key: 401 both times, no session, two recorded failures', async () => {
    await refusedTwice(w.a.users.USER, 'wrong-password-of-user', 401, 'IDENTITY.INVALID_CREDENTIALS', 'BAD_PASSWORD');
  });

  it('a deactivated account with the right password, twice with one key: 403 both times, no session', async () => {
    const u = w.a.users.ANALYST;
    expect((await call(app, { method: 'POST', url: `/users/${u.id}/deactivate`, token: w.a.users.ADMIN.token })).statusCode).toBe(200);
    await refusedTwice(u, PASSWORD, 403, 'IDENTITY.ACCOUNT_DISABLED', 'USER_INACTIVE');
  });

  it('a locked account with the right password, twice with one key: 423 both times, no session', async () => {
    const u = w.a.users.VIEWER;
    for (let i = 0; i < ctx().config.auth.lockoutThreshold; i++) {
      expect((await call(app, { method: 'POST', url: '/auth/login', payload: { email: u.email, password: `wrong-${i}-password` } })).statusCode).toBe(401);
    }
    await refusedTwice(u, PASSWORD, 423, 'IDENTITY.ACCOUNT_LOCKED', 'LOCKED');
  });

  it("a deactivated company's user with the right password, twice with one key: 403 both times, no session", async () => {
    expect((await call(app, { method: 'POST', url: `/companies/${w.b.companyId}/deactivate`, token: w.platform.token, payload: { reason: 'contract ended' } })).statusCode).toBe(200);
    await refusedTwice(w.b.users.USER, PASSWORD, 403, 'IDENTITY.ACCOUNT_DISABLED', 'COMPANY_INACTIVE');
  });

  it('the right password twice with one key: two sign-ins, each session started by its own recorded success', async () => {
    const u = w.a.users.COMPLIANCE_OFFICER;
    const key = randomUUID();
    const send = () => call(app, { method: 'POST', url: '/auth/login', payload: { email: u.email, password: PASSWORD }, headers: { 'idempotency-key': key } });
    const [first, second] = [await send(), await send()];
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect((await call(app, { method: 'GET', url: '/me', token: second.json().accessToken })).statusCode).toBe(200);
    // Every family of this user begins with a token naming a UserSignedIn of the user's sign-in stream.
    const families = await ctx().superuser(
      `SELECT t.family_id, e.type, e.stream_id FROM refresh_tokens t LEFT JOIN events e ON e.event_id = t.sign_in_event_id
        WHERE t.user_id = $1 AND t.sign_in_event_id IS NOT NULL`,
      [u.id],
    );
    expect(families.length).toBeGreaterThanOrEqual(3);
    expect(families.every((f) => f.type === 'UserSignedIn' && f.stream_id === `signin-${u.id}`)).toBe(true);
  });

  it('the database starts a session only from a sign-in recorded in the same transaction, for an active account', async () => {
    const u = w.a.users.HR_MANAGER;
    const company = w.a.companyId;
    const signedIn = (userId: string, eventId: string = randomUUID()) =>
      JSON.stringify([{ eventId, type: 'UserSignedIn', schemaVersion: 1, data: { userId, at: new Date().toISOString() }, metadata: { actorId: userId, companyId: company, schemaVersion: 1 } }]);
    // The application role's own way to record one: the event store's function, in its transaction.
    const record = (tx: Tx, userId: string, eventId: string) => tx.query(`SELECT 1 FROM events_append($1, 'SignIn', $2, NULL, $3::jsonb)`, `signin-${userId}`, company, signedIn(userId, eventId));
    const session = (tx: Tx, userId: string, signInEventId: string | null, familyId = randomUUID()) =>
      tx.execute(
        `INSERT INTO refresh_tokens (id, token_hash, family_id, user_id, company_id, expires_at, sign_in_event_id) VALUES ($1, $2, $3, $4, $5, now() + interval '1 day', $6::uuid)`,
        randomUUID(),
        randomUUID(),
        familyId,
        userId,
        company,
        signInEventId,
      );
    const inTenant = <T>(fn: (tx: Tx) => Promise<T>) => ctx().db.transaction(fn, { companyId: company });

    // A success recorded by an earlier transaction, and none at all: refused.
    const earlier = randomUUID();
    await inTenant((tx) => record(tx, u.id, earlier));
    await expect(inTenant((tx) => session(tx, u.id, earlier))).rejects.toThrow(/session does not start from a sign-in recorded in this transaction/);
    await expect(inTenant((tx) => session(tx, u.id, null))).rejects.toThrow(/a new session needs the sign-in recorded in the same transaction/);
    // One recorded sign-in starts one session, not two.
    await expect(
      inTenant(async (tx) => {
        const id = randomUUID();
        await record(tx, u.id, id);
        await session(tx, u.id, id);
        await session(tx, u.id, id);
      }),
    ).rejects.toThrow(/refresh_tokens_sign_in_event_key/);
    // A deactivated account gets no session even with a recorded success.
    const off = w.a.users.ANALYST;
    expect(await ctx().superuser(`SELECT "isActive" FROM "User" WHERE id = $1`, [off.id])).toEqual([{ isActive: false }]);
    await expect(
      inTenant(async (tx) => {
        const id = randomUUID();
        await record(tx, off.id, id);
        await session(tx, off.id, id);
      }),
    ).rejects.toThrow(/deactivated while signing in/);
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM refresh_tokens WHERE sign_in_event_id = $1`, [earlier])).toEqual([{ n: 0 }]);
    // The path the sign-in takes is admitted.
    const id = randomUUID();
    await inTenant(async (tx) => {
      await record(tx, u.id, id);
      await session(tx, u.id, id);
    });
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM refresh_tokens WHERE sign_in_event_id = $1`, [id])).toEqual([{ n: 1 }]);
  });
});
