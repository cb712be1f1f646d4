import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase, onServer } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, buildWorld, call } from '../security/world';
import type { World } from '../security/world';

// Sign-in attempts are off the User aggregate (their own stream, appended without a read) and
// are decided under the credential's row lock. Races only show on the PostgreSQL server: the
// embedded database runs one transaction at a time.

describeEachDatabase('identity: concurrent sign-ins', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: World;
  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  });
  afterAll(async () => {
    await app.close();
  });

  const login = (email: string, password: string) => call(app, { method: 'POST', url: '/auth/login', payload: { email, password } });
  const eventsOf = (streamId: string) => ctx().superuser(`SELECT type, position::text AS position, data FROM events WHERE stream_id = $1 ORDER BY version`, [streamId]);

  onServer(target)('20 parallel correct sign-ins of one user all answer 200, each with its own session', async () => {
    const u = w.a.users.USER;
    const before = (await eventsOf(`signin-${u.id}`)).length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(u.email, PASSWORD)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.json().refreshToken)).size).toBe(20);
    const signIns = (await eventsOf(`signin-${u.id}`)).slice(before);
    expect(signIns.map((e) => e.type)).toEqual(Array(20).fill('UserSignedIn'));
    // The User aggregate did not move: administrators' commands on it never fold sign-ins.
    expect((await eventsOf(`user-${u.id}`)).map((e) => e.type)).toEqual(['UserRegistered']);
  });

  onServer(target)('N parallel wrong passwords lock the account after exactly the threshold', async () => {
    const u = w.a.users.ANALYST;
    const threshold = ctx().config.auth.lockoutThreshold;
    const n = threshold + 6;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => login(u.email, `wrong-password-${i}`)));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([...Array(threshold).fill(401), ...Array(n - threshold).fill(423)]);
    const events = await eventsOf(`signin-${u.id}`);
    const bad = events.filter((e) => e.type === 'SignInFailed' && (e.data as { reason: string }).reason === 'BAD_PASSWORD');
    // Each count from 1 to the threshold was reached exactly once: no two attempts read the same count.
    expect(bad.map((e) => (e.data as { failedAttempts: number }).failedAttempts)).toEqual(Array.from({ length: threshold }, (_, i) => i + 1));
    expect(events.filter((e) => e.type === 'UserLockedOut')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'SignInFailed' && (e.data as { reason: string }).reason === 'LOCKED')).toHaveLength(n - threshold);
    expect((await login(u.email, PASSWORD)).statusCode).toBe(423);
  });

  onServer(target)('sign-ins racing a deactivation: every success is recorded before the deactivation in the chain', async () => {
    const u = w.a.users.VIEWER;
    const before = (await eventsOf(`signin-${u.id}`)).length;
    // Sign-ins spread over the time the deactivation runs, so some are being decided as it commits.
    const later = <T>(ms: number, f: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => f().then(resolve, reject), ms));
    const [deactivation, ...answers] = await Promise.all([
      later(60, () => call(app, { method: 'POST', url: `/users/${u.id}/deactivate`, token: w.a.users.ADMIN.token })),
      ...Array.from({ length: 40 }, (_, i) => later(i * 4, () => login(u.email, PASSWORD))),
    ]);
    expect(deactivation.statusCode).toBe(200);
    const [deactivated] = (await eventsOf(`user-${u.id}`)).filter((e) => e.type === 'UserDeactivated');
    const attempts = (await eventsOf(`signin-${u.id}`)).slice(before);
    const successes = attempts.filter((e) => e.type === 'UserSignedIn');
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(successes.length);
    expect(answers.every((a) => a.statusCode === 200 || a.statusCode === 403)).toBe(true);
    expect(successes.every((e) => BigInt(e.position as string) < BigInt(deactivated.position as string))).toBe(true);
    expect(attempts.filter((e) => BigInt(e.position as string) > BigInt(deactivated.position as string)).every((e) => e.type === 'SignInFailed')).toBe(true);
  });
});
