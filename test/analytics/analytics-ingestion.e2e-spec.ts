import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import type { World } from '../security/world';
import { DAY_MS, buildAnalyticsWorld, startApi, track, utcDay } from './analytics-world';

type Result = {
  batchId: string | null;
  received: number;
  stored: number;
  duplicates: number;
  quarantined: { index: number; reason: string }[];
  rejected: { index: number; field: string; reason: string }[];
};

// Ingestion as a Segment client sees it: per-event validation, exact de-duplication, clock-skew
// correction, quarantine, sealing in the company's chain, and tenant isolation.
describeEachDatabase('analytics ingestion over HTTP', (ctx) => {
  let app: NestFastifyApplication;
  let w: World;
  const analyst = () => w.a.users.ANALYST.token;
  const batch = (payload: unknown, token = analyst()) =>
    call(app, { method: 'POST', url: '/analytics/batch', token, payload });
  // Client events only: the projection of domain events adds system_event rows of its own.
  const rows = async (companyId: string, types = ['user_action']) =>
    Number(
      (
        await ctx().superuser(
          `SELECT count(*)::int AS n FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = ANY($2::text[])`,
          [companyId, types],
        )
      )[0].n,
    );

  beforeAll(async () => {
    app = await startApi(ctx());
    w = await buildAnalyticsWorld(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  const bad = new Map<number, [Record<string, unknown>, string]>([
    [5, [{ userId: 'u-1', messageId: 'b-5' }, 'event']],
    [17, [{ event: 'x', messageId: 'b-17', timestamp: 'not a date', userId: 'u' }, 'timestamp']],
    [33, [{ event: 'x', messageId: 'b-33' }, 'userId']],
  ]);
  const fifty = Array.from({ length: 50 }, (_, i) => bad.get(i)?.[0] ?? track('b', i));
  let first: Result;

  it('stores the 47 good events of a batch of 50 and names the 3 bad ones', async () => {
    const res = await batch({ batch: fifty, sentAt: new Date().toISOString() });
    expect(res.statusCode).toBe(200);
    first = res.json() as Result;
    expect(first).toMatchObject({ received: 50, stored: 47, duplicates: 0, quarantined: [] });
    expect(first.rejected.map((r) => [r.index, r.field])).toEqual(
      [...bad].map(([i, [, field]]) => [i, field]),
    );
    expect(first.rejected.every((r) => r.reason.length > 10)).toBe(true);
    expect(await rows(w.a.companyId)).toBe(47);
    // One seal in the company's chain for the whole batch, not 47 events.
    const seals = await ctx().superuser(
      `SELECT data FROM events WHERE type = 'AnalyticsBatchSealed' AND company_id = $1`,
      [w.a.companyId],
    );
    expect(seals).toHaveLength(1);
    expect(seals[0].data).toMatchObject({ batchId: first.batchId, events: 47 });
  });

  it('stores nothing new when the batch is replayed', async () => {
    const res = await batch({ batch: fifty });
    expect(res.json()).toMatchObject({ batchId: null, stored: 0, duplicates: 47 });
    expect(await rows(w.a.companyId)).toBe(47);
    expect(
      await ctx().superuser(`SELECT 1 FROM events WHERE type = 'AnalyticsBatchSealed' AND company_id = $1`, [
        w.a.companyId,
      ]),
    ).toHaveLength(1);
    // A messageId twice within one batch is stored once too.
    const twice = (await batch({ batch: [track('dup', 1), track('dup', 1)] })).json() as Result;
    expect(twice).toMatchObject({ stored: 1, duplicates: 1 });
  });

  it('detects a stored event altered after its batch was sealed', async () => {
    const ok = await call(app, {
      method: 'GET',
      url: `/analytics/batches/${first.batchId}/verify`,
      token: analyst(),
    });
    expect(ok.json()).toMatchObject({ events: 47, intact: true });
    await ctx().superuser(
      `UPDATE "AnalyticsEvent" SET "eventData" = jsonb_set("eventData", '{properties,plan}', '"enterprise"') WHERE "batchId" = $1 AND "messageId" = 'b-0'`,
      [first.batchId],
    );
    const tampered = await call(app, {
      method: 'GET',
      url: `/analytics/batches/${first.batchId}/verify`,
      token: analyst(),
    });
    expect(tampered.json()).toMatchObject({ events: 47, intact: false });
    expect(tampered.json().recomputedDigest).not.toBe(tampered.json().sealedDigest);
  });

  it('files a late event under its own day, corrected for clock skew, and quarantines the far future and the too old', async () => {
    const now = Date.now();
    // The client's clock runs 2 hours behind: its timestamps are 2 hours early.
    const skew = 2 * 3600_000;
    const late = new Date(now - 3 * DAY_MS - skew);
    const res = await batch({
      batch: [
        track('late', 1, { timestamp: late.toISOString(), userId: 'late-user' }),
        track('late', 2, { timestamp: new Date(now + 3 * DAY_MS).toISOString() }),
        track('late', 3, { timestamp: new Date(now - 9 * DAY_MS).toISOString() }),
      ],
      sentAt: new Date(now - skew).toISOString(),
    });
    const r = res.json() as Result;
    expect(r.stored).toBe(1);
    expect(r.quarantined).toEqual([
      { index: 1, messageId: 'late-2', reason: 'future' },
      { index: 2, messageId: 'late-3', reason: 'too_late' },
    ]);
    const [row] = await ctx().superuser(
      `SELECT to_char("timestamp", 'YYYY-MM-DD"T"HH24:MI') AS ts, "sentAt" IS NOT NULL AS sent, "receivedAt" IS NOT NULL AS received FROM "AnalyticsEvent" WHERE "messageId" = 'late-1'`,
    );
    const corrected = new Date(late.getTime() + skew);
    expect(row).toEqual({ ts: corrected.toISOString().slice(0, 16), sent: true, received: true });
    const day = utcDay(corrected);
    const counts = await call(app, {
      method: 'GET',
      url: `/analytics/counts?from=${utcDay(new Date(now - 5 * DAY_MS))}&to=${utcDay(new Date(now + DAY_MS))}&interval=day`,
      token: analyst(),
    });
    expect(counts.statusCode).toBe(200);
    const buckets = counts.json().buckets as { bucket: string; events: number; users: number }[];
    expect(buckets.find((b) => b.bucket === day)).toMatchObject({ events: 1, users: 1 });
    expect(counts.json().watermark).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const q = await ctx().superuser(
      `SELECT message_id, reason FROM analytics_quarantine WHERE company_id = $1 ORDER BY message_id`,
      [w.a.companyId],
    );
    expect(q).toEqual([
      { message_id: 'late-2', reason: 'future' },
      { message_id: 'late-3', reason: 'too_late' },
    ]);
    expect(
      await ctx().superuser(`SELECT 1 FROM "AnalyticsEvent" WHERE "messageId" IN ('late-2', 'late-3')`),
    ).toEqual([]);
  });

  it('refuses a bad single event with problem+json and stores nothing', async () => {
    const before = await rows(w.a.companyId);
    for (const payload of [
      { event: 'x' },
      { event: 'x', userId: 'u', properties: 'nope' },
      [1, 2, 3],
      { event: 'x', userId: { deep: 1 } },
      { event: 'x', userId: 'u', eventType: 'system_event' },
    ]) {
      const res = await call(app, { method: 'POST', url: '/analytics/track', token: analyst(), payload });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.json().code).toBe('ANALYTICS.EVENT_INVALID');
    }
    for (const payload of [{ events: [] }, { batch: [] }, { batch: 'x' }])
      expect((await batch(payload)).statusCode).toBe(400);
    const big = {
      batch: Array.from({ length: 40 }, (_, i) =>
        track('big', i, { properties: { pad: 'x'.repeat(14_000) } }),
      ),
    };
    const tooBig = await batch(big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('ANALYTICS.BATCH_TOO_LARGE');
    expect(await rows(w.a.companyId)).toBe(before);
    const one = await call(app, {
      method: 'POST',
      url: '/analytics/track',
      token: analyst(),
      payload: track('one', 1),
    });
    expect(one.json()).toMatchObject({ stored: 1 });
  });

  it('rejects hostile events one by one (huge numbers, deep nesting, wrong types) and stores the rest', async () => {
    const deep = JSON.stringify(Array.from({ length: 20 }).reduce((v: unknown) => ({ v }), 1));
    const hostile = [
      `{"event":"x","userId":"u","messageId":"h-0","properties":{"n":1e400}}`,
      `{"event":"x","userId":"u","messageId":"h-1","properties":${deep}}`,
      `{"event":12.5,"userId":"u","messageId":"h-2"}`,
      `{"event":"x","userId":"u","messageId":{"$ne":1}}`,
      `{"event":"x","userId":"u","messageId":"h-4","timestamp":1733000000}`,
      `{"event":"x","userId":"u","messageId":"h-5","type":"drop table"}`,
      `"just a string"`,
      `{"event":"ok","userId":"u","messageId":"h-7","properties":{"n":12345678901234567890}}`,
    ];
    const res = await call(app, {
      method: 'POST',
      url: '/analytics/batch',
      token: analyst(),
      payload: `{"batch":[${hostile.join(',')}]}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    const r = res.json() as Result;
    expect(r.rejected.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r.stored).toBe(1);
    expect(JSON.stringify(r)).not.toMatch(/INSERT|SELECT|at .*\.ts/);
  });

  it('needs analytics:write to ingest', async () => {
    const res = await batch({ batch: [track('viewer', 1)] }, w.a.users.VIEWER.token);
    expect(res.statusCode).toBe(403);
    expect(await ctx().superuser(`SELECT 1 FROM "AnalyticsEvent" WHERE "messageId" = 'viewer-1'`)).toEqual(
      [],
    );
  });

  it("never shows company B A's events, rollups, batches or exports", async () => {
    const b = w.b.users.ANALYST.token;
    const from = utcDay(new Date(Date.now() - 6 * DAY_MS));
    const to = utcDay(new Date(Date.now() + 2 * DAY_MS));
    expect((await batch({ batch: [track('bee', 1, { userId: 'b-user' })] }, b)).json()).toMatchObject({
      stored: 1,
    });
    for (const source of ['rollups', 'raw']) {
      const counts = await call(app, {
        method: 'GET',
        url: `/analytics/counts?from=${from}&to=${to}&source=${source}&eventType=user_action`,
        token: b,
      });
      expect((counts.json().buckets as { events: number }[]).reduce((n, x) => n + x.events, 0)).toBe(1);
    }
    const breakdown = await call(app, {
      method: 'GET',
      url: `/analytics/breakdown?from=${from}&to=${to}&property=plan&eventType=user_action`,
      token: b,
    });
    expect(breakdown.json().values).toEqual([{ value: 'pro', events: 1, users: 1 }]);
    expect(
      (await call(app, { method: 'GET', url: `/analytics/batches/${first.batchId}/verify`, token: b }))
        .statusCode,
    ).toBe(404);
    // A's export, asked for by A, is not B's to read.
    const ex = await call(app, {
      method: 'POST',
      url: '/analytics/exports',
      token: analyst(),
      payload: { from, to },
    });
    expect(ex.statusCode).toBe(202);
    const id = ex.json().exportId as string;
    let status = ex.json().status as string;
    for (let i = 0; i < 100 && status === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await call(app, { method: 'GET', url: `/analytics/exports/${id}`, token: analyst() })).json()
        .status;
    }
    expect(status).toBe('done');
    const file = await call(app, {
      method: 'GET',
      url: `/analytics/exports/${id}/download`,
      token: analyst(),
    });
    expect(file.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = file.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messageId: string });
    expect(lines.length).toBe(await rows(w.a.companyId, ['user_action', 'system_event', 'ai_prediction']));
    expect(lines.some((l) => l.messageId === 'bee-1')).toBe(false);
    expect((await call(app, { method: 'GET', url: `/analytics/exports/${id}`, token: b })).statusCode).toBe(
      404,
    );
    expect(
      (await call(app, { method: 'GET', url: `/analytics/exports/${id}/download`, token: b })).statusCode,
    ).toBe(404);
    // Row-level security itself, on the parent, a partition and the rollups, as B's application role.
    const seen = await ctx().db.transaction(
      async (tx) => ({
        events: await tx.query<{ c: string }>(`SELECT "companyId" AS c FROM "AnalyticsEvent"`),
        rollups: await tx.query<{ c: string }>(
          `SELECT company_id AS c FROM analytics_rollup_hourly UNION ALL SELECT company_id FROM analytics_rollup_users`,
        ),
        batches: await tx.query<{ c: string }>(`SELECT company_id AS c FROM analytics_batches`),
      }),
      { companyId: w.b.companyId },
    );
    expect([...seen.events, ...seen.rollups, ...seen.batches].every((r) => r.c === w.b.companyId)).toBe(true);
    expect(seen.events.length).toBe(await rows(w.b.companyId, ['user_action', 'system_event']));
    const [part] = await ctx().superuser(`SELECT name FROM analytics_partitions() WHERE day = $1::date`, [
      utcDay(new Date()),
    ]);
    await expect(
      ctx().db.transaction(
        (tx) => tx.query(`SELECT * FROM ${String(part.name).replace('analytics.', 'analytics."')}"`),
        { companyId: w.b.companyId },
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('counts a batch per event against the tier rate limit: 429 with Retry-After', async () => {
    // B is on TRIAL: 60 requests or events a minute. 70 events are over it, whatever the request count.
    const res = await batch(
      { batch: Array.from({ length: 70 }, (_, i) => track('flood', i)) },
      w.b.users.ANALYST.token,
    );
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('BILLING.RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await ctx().superuser(`SELECT 1 FROM "AnalyticsEvent" WHERE "messageId" LIKE 'flood-%'`)).toEqual(
      [],
    );
  });
  it('is closed to a company whose plan lacks the analytics module', async () => {
    const off = await call(app, {
      method: 'POST',
      url: `/billing/companies/${w.a.companyId}/subscription/features`,
      token: w.platform.token,
      payload: { features: { modules: { analytics: false } } },
    });
    expect(off.statusCode).toBe(200);
    const res = await batch({ batch: [track('gated', 1)] });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('BILLING.FEATURE_NOT_IN_PLAN');
    expect(
      (
        await call(app, {
          method: 'GET',
          url: `/analytics/counts?from=2026-11-01&to=2026-11-02`,
          token: analyst(),
        })
      ).statusCode,
    ).toBe(403);
    expect(await ctx().superuser(`SELECT 1 FROM "AnalyticsEvent" WHERE "messageId" = 'gated-1'`)).toEqual([]);
  });
});
