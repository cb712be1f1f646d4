import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { maintenanceJobs } from '../../apps/worker/jobs';
import { describeEachDatabase, onServer } from '../support/databases';
import { startTestApi } from '../support/api';
import { PASSWORD, buildWorld, call } from '../security/world';
import type { World } from '../security/world';
import { idempotencyFixtures } from './idempotency-fixtures';

type Op = { security?: unknown[]; parameters?: { name: string; in: string; description?: string }[]; responses: Record<string, { description?: string; headers?: Record<string, unknown> }> };

// The life of a key: while its first request runs, when its process dies, when it expires, and
// under concurrent retries. States a test cannot wait for (a lease of a minute, a day's TTL, a
// crash) are reached by moving the record's clock columns as the owner would see them after
// that time; everything else is the real application.
describeEachDatabase('idempotency: in progress, lost, expired, concurrent', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: World;
  const fx = idempotencyFixtures(ctx, () => app);
  const { count, events, amlRecord, recordsOf } = fx;
  const createRecord = (payload: unknown, key: string) => fx.createRecord(w.a.users.COMPLIANCE_OFFICER.token, payload, key);
  const setRecord = (key: string, set: string) => ctx().superuser(`UPDATE idempotency_records SET ${set} WHERE key = $1`, [key]);

  beforeAll(async () => {
    app = await startTestApi(ctx());
    w = await buildWorld(app);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 409 IDEMPOTENCY.IN_PROGRESS with Retry-After while the first request runs, and runs nothing', async () => {
    const key = randomUUID();
    const body = amlRecord();
    expect((await createRecord(body, key)).statusCode).toBe(201);
    // As seen by a retry that arrives while the first request is still being handled.
    await setRecord(key, `completed_at = NULL, response_status = NULL, response_body = NULL, locked_until = now() + interval '1 minute'`);
    const before = await events();
    const busy = await createRecord(body, key);
    expect(busy.statusCode).toBe(409);
    expect(busy.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.json()).toMatchObject({ status: 409, code: 'IDEMPOTENCY.IN_PROGRESS' });
    expect(await events()).toBe(before);
    expect(await recordsOf(body)).toBe(1);
  });

  it('never runs a command twice when its process died after the commit: 409 IDEMPOTENCY.RESPONSE_LOST, every time', async () => {
    const key = randomUUID();
    const body = amlRecord();
    expect((await createRecord(body, key)).statusCode).toBe(201);
    // The crash window: the command committed (executed), the response was never kept, the lease ran out.
    await setRecord(key, `completed_at = NULL, response_status = NULL, response_body = NULL, locked_until = now() - interval '1 second'`);
    const before = await events();
    for (let i = 0; i < 2; i++) {
      const lost = await createRecord(body, key);
      expect(lost.statusCode).toBe(409);
      expect(lost.json()).toMatchObject({ code: 'IDEMPOTENCY.RESPONSE_LOST' });
      expect(lost.headers['retry-after']).toBeUndefined();
    }
    expect(await events()).toBe(before);
    expect(await recordsOf(body)).toBe(1);
  });

  it('lets a retry take over a key whose process died before any command committed', async () => {
    const u = await call(app, { method: 'POST', url: '/users', token: w.a.users.ADMIN.token, payload: { email: `takeover.${randomUUID().slice(0, 8)}@acme.test`, role: 'ANALYST', password: PASSWORD } });
    const key = randomUUID();
    // Setting the role it already has decides nothing: a request that committed no command.
    const same = () => call(app, { method: 'PATCH', url: `/users/${u.json().id}/role`, token: w.a.users.ADMIN.token, payload: { role: 'ANALYST' }, headers: { 'idempotency-key': key } });
    expect((await same()).statusCode).toBe(200);
    const [row] = await ctx().superuser(`SELECT executed FROM idempotency_records WHERE key = $1`, [key]);
    expect(row.executed).toBe(false);
    await setRecord(key, `completed_at = NULL, response_status = NULL, response_body = NULL, locked_until = now() - interval '1 second'`);
    const again = await same();
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect((await same()).headers['idempotent-replayed']).toBe('true');
  });

  it('keeps a record IDEMPOTENCY_TTL (24 h by default); once expired the key runs again, and the job deletes expired records only', async () => {
    const key = randomUUID();
    const live = randomUUID();
    const body = amlRecord();
    expect((await createRecord(body, key)).statusCode).toBe(201);
    expect((await createRecord(amlRecord(), live)).statusCode).toBe(201);
    const [ttl] = await ctx().superuser(`SELECT extract(epoch FROM expires_at - created_at)::int AS s FROM idempotency_records WHERE key = $1`, [key]);
    expect(ttl.s).toBe(86_400);
    await setRecord(key, `expires_at = now() - interval '1 second'`);
    // Expired: the same request runs again (a second record), and another body is no reuse.
    const rerun = await createRecord(body, key);
    expect(rerun.statusCode).toBe(201);
    expect(rerun.headers['idempotent-replayed']).toBeUndefined();
    expect(await recordsOf(body)).toBe(2);
    await setRecord(key, `expires_at = now() - interval '1 second'`);
    expect((await createRecord(amlRecord(), key)).statusCode).toBe(201);

    await setRecord(key, `expires_at = now() - interval '1 second'`);
    const job = maintenanceJobs(app).find((j) => j.name === 'idempotency.expire-records');
    expect(job).toBeDefined();
    expect(await job!.handler({}, { jobId: 'test', name: 'idempotency.expire-records', attempt: 1 })).toMatch(/^deleted [1-9]\d* expired idempotency record/);
    expect(await count(`SELECT count(*)::int AS n FROM idempotency_records WHERE key = ANY($1)`, [[key, live]])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM idempotency_records WHERE key = $1`, [live])).toBe(1);
  });

  it('documents the header on every write of the OpenAPI document, with its 409 and 422 problems', async () => {
    const doc = (await call(app, { method: 'GET', url: '/docs-json' })).json() as { paths: Record<string, Record<string, Op>> };
    const writes = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([m]) => ['post', 'put', 'patch', 'delete'].includes(m)).map(([m, op]) => ({ route: `${m} ${path}`, op })));
    expect(writes.length).toBeGreaterThan(20);
    const missing = writes.filter((x) => !x.op.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header')).map((x) => x.route);
    expect(missing).toEqual([]);
    const guarded = writes.filter((x) => x.op.security?.length);
    expect(guarded.length).toBeGreaterThan(20);
    for (const { route, op } of guarded) {
      expect({ route, conflict: op.responses['409']?.description }).toEqual({ route, conflict: expect.stringContaining('IDEMPOTENCY.IN_PROGRESS') });
      expect({ route, retryAfter: Boolean(op.responses['409'].headers?.['Retry-After']) }).toEqual({ route, retryAfter: true });
      expect({ route, reuse: op.responses['422']?.description }).toEqual({ route, reuse: expect.stringContaining('IDEMPOTENCY.KEY_REUSED') });
      const ok = Object.entries(op.responses).find(([s]) => s.startsWith('2'));
      expect({ route, replayed: Boolean(ok?.[1].headers?.['Idempotent-Replayed']) }).toEqual({ route, replayed: true });
    }
    const login = doc.paths['/auth/login'].post;
    expect(login.parameters?.find((p) => p.name === 'Idempotency-Key')?.description).toMatch(/^Ignored/);
    // A description that was there before is kept, with the idempotency problems added.
    expect(doc.paths['/users'].post.responses['409'].description).toMatch(/IDENTITY\.EMAIL_ALREADY_EXISTS.*IDEMPOTENCY\.IN_PROGRESS/);
  });

  onServer(target)('[PostgreSQL only: PGlite runs one transaction at a time] runs one of many concurrent requests with one key; the others get 409 IN_PROGRESS or the replay, never a second execution', async () => {
    const key = randomUUID();
    const body = amlRecord();
    const before = await events();
    const answers = await Promise.all(Array.from({ length: 12 }, () => createRecord(body, key)));
    const ran = answers.filter((r) => r.statusCode === 201 && !r.headers['idempotent-replayed']);
    expect(ran).toHaveLength(1);
    for (const r of answers.filter((x) => x !== ran[0])) {
      if (r.statusCode === 409) {
        expect(r.json().code).toBe('IDEMPOTENCY.IN_PROGRESS');
        expect(r.headers['retry-after']).toBe('1');
      } else {
        expect({ status: r.statusCode, replayed: r.headers['idempotent-replayed'], body: r.body }).toEqual({ status: 201, replayed: 'true', body: ran[0].body });
      }
    }
    expect(await recordsOf(body)).toBe(1);
    const stream = `compliance-record-${ran[0].json().id}`;
    expect(await events()).toBe(before + (await count(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1`, [stream])));
  });

  onServer(target)('[PostgreSQL only: needs a second session holding a lock] refuses the command of a request that lost its key to a take-over while it waited: one execution, and the retry replays it', async () => {
    const key = randomUUID();
    const body = amlRecord();
    const chain = [20261125, w.a.companyId];
    // Hold company A's chain lock, so the first request stops inside its append, before any commit.
    await ctx().superuser(`SELECT pg_advisory_lock($1, hashtext($2))`, chain);
    let first: ReturnType<typeof createRecord> | undefined;
    let second: ReturnType<typeof createRecord> | undefined;
    try {
      first = createRecord(body, key);
      await waitFor(async () => (await count(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)) === 1);
      // Its lease runs out while it waits: a retry takes the key over and waits behind it.
      await setRecord(key, `locked_until = now() - interval '1 second'`);
      second = createRecord(body, key);
      await waitFor(async () => (await count(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)) === 2);
    } finally {
      await ctx().superuser(`SELECT pg_advisory_unlock($1, hashtext($2))`, chain);
    }
    const [a, b] = await Promise.all([first!, second!]);
    expect(a.statusCode).toBe(409);
    expect(a.json().code).toBe('IDEMPOTENCY.IN_PROGRESS');
    expect(b.statusCode).toBe(201);
    expect(await recordsOf(body)).toBe(1);
    const replay = await createRecord(body, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(b.body);
  });
});

async function waitFor(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached within 5 s');
}
