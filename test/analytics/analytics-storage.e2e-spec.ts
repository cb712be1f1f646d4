import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AnalyticsStorage, systemEventsProjection } from '@maple/analytics';
import { EventStore, ProjectionRuntime } from '@maple/platform';
import { describeEachDatabase, onServer } from '../support/databases';
import { call } from '../security/world';
import type { World } from '../security/world';
import { DAY_MS, buildAnalyticsWorld, startApi, track, utcDay } from './analytics-world';

type Bucket = { bucket: string; events: number };

// Partitions and retention, concurrent replays, funnels and cohorts, and the read replica.
describeEachDatabase('analytics storage, queries and the read replica', (ctx, target) => {
  let app: NestFastifyApplication;
  let w: World;
  const token = () => w.a.users.ANALYST.token;
  const get = async (url: string, as = token()) => {
    const res = await call(app, { method: 'GET', url, token: as });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const post = (batch: unknown[], as = token()) =>
    call(app, { method: 'POST', url: '/analytics/batch', token: as, payload: { batch } });
  const days = async (from: string, to: string, source = 'rollups') =>
    (
      (
        await get(
          `/analytics/counts?from=${from}&to=${to}&interval=day&eventType=user_action&source=${source}`,
        )
      ).buckets as Bucket[]
    ).map((b) => [b.bucket, b.events]);

  beforeAll(async () => {
    app = await startApi(ctx());
    w = await buildAnalyticsWorld(app);
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  it('keeps the future partitions health wants, and says so when they run short', async () => {
    const storage = app.get(AnalyticsStorage);
    await storage.ensurePartitions();
    expect(await storage.health()).toBe('ok');
    // Ten days on, without the job having run, only four future days would be left.
    expect(await storage.health(new Date(Date.now() + 10 * DAY_MS))).toMatch(
      /only \d future daily partition/,
    );
    const ready = await call(app, { method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
  });

  it('drops an old partition and with it only that day, rollups included', async () => {
    const now = Date.now();
    const d = [3, 2, 1].map((k) => new Date(now - k * DAY_MS));
    const batch = d.flatMap((day, k) =>
      [0, 1].map((i) =>
        track(`part${k}`, i, { timestamp: new Date(Date.parse(`${utcDay(day)}T12:00:00Z`)).toISOString() }),
      ),
    );
    expect((await post(batch)).json()).toMatchObject({ stored: 6 });
    const from = utcDay(d[0]);
    const to = utcDay(new Date(now));
    expect(await days(from, to)).toEqual(d.map((x) => [utcDay(x), 2]));
    // Retention as if it ran the day when the oldest of the three days leaves the window.
    const retention = ctx().config.analytics.retentionDays;
    const dropped = await app
      .get(AnalyticsStorage)
      .dropExpiredPartitions(new Date(Date.parse(`${utcDay(d[1])}T06:00:00Z`) + retention * DAY_MS));
    expect(dropped).toContain(`analytics.AnalyticsEvent_p${utcDay(d[0]).replace(/-/g, '')}`);
    expect(dropped.every((p) => p.slice(-8) <= utcDay(d[0]).replace(/-/g, ''))).toBe(true);
    expect(await days(from, to)).toEqual(d.slice(1).map((x) => [utcDay(x), 2]));
    expect(await days(from, to, 'raw')).toEqual(d.slice(1).map((x) => [utcDay(x), 2]));
  });

  it("removes a shorter-retention company's old rows by batched deletes, keeping rollups equal to the raw count", async () => {
    const now = Date.now();
    const b = w.b.users.ANALYST.token;
    const batch = [5, 4, 1, 0].map((k, i) =>
      track('short', i, { timestamp: new Date(now - k * DAY_MS - 3600_000).toISOString() }),
    );
    expect((await post(batch, b)).json()).toMatchObject({ stored: 4 });
    expect(
      (
        await call(app, {
          method: 'PUT',
          url: '/analytics/settings',
          token: w.b.users.ADMIN.token,
          payload: { timeZone: 'UTC', retentionDays: 3 },
        })
      ).statusCode,
    ).toBe(200);
    const purged = await app.get(AnalyticsStorage).purgeShorterRetention(new Date(now));
    expect(purged).toEqual([{ companyId: w.b.companyId, deleted: 2 }]);
    const from = utcDay(new Date(now - 7 * DAY_MS));
    const to = utcDay(new Date(now + DAY_MS));
    const q = `/analytics/counts?from=${from}&to=${to}&interval=day&eventType=user_action`;
    const rolled = await get(q, b);
    expect(rolled.buckets).toEqual((await get(`${q}&source=raw`, b)).buckets);
    expect((rolled.buckets as Bucket[]).reduce((n, x) => n + x.events, 0)).toBe(2);
    // A's rows are untouched.
    expect((await days(utcDay(new Date(now - 2 * DAY_MS)), to)).length).toBeGreaterThan(0);
  });

  it('answers funnels and retention cohorts from the events', async () => {
    const t0 = Date.now() - 2 * DAY_MS;
    const at = (h: number) => new Date(t0 + h * 3600_000).toISOString();
    const ev = (user: string, event: string, h: number, i: number) =>
      track('fun', i, { userId: user, event, timestamp: at(h) });
    const batch = [
      ev('f1', 'Signed Up', 0, 1),
      ev('f1', 'Activated', 1, 2),
      ev('f1', 'Paid', 2, 3),
      ev('f2', 'Signed Up', 0, 4),
      ev('f2', 'Activated', 30, 5), // outside a 24 h window
      ev('f3', 'Activated', 0, 6),
      ev('f3', 'Signed Up', 1, 7), // wrong order
      ev('f4', 'Signed Up', 0, 8),
      ev('f4', 'Activated', 3, 9),
    ];
    expect((await post(batch)).json()).toMatchObject({ stored: 9 });
    const from = new Date(t0 - 3600_000).toISOString();
    const to = new Date(t0 + 40 * 3600_000).toISOString();
    const f = await get(
      `/analytics/funnel?from=${from}&to=${to}&step=Signed%20Up&step=Activated&step=Paid&windowHours=24`,
    );
    expect(f.steps.map((s: { users: number }) => s.users)).toEqual([4, 2, 1]);
    expect(f.watermark).toMatch(/^\d{4}-/);
    const bad = await call(app, {
      method: 'GET',
      url: `/analytics/funnel?from=${from}&to=${to}&step=only-one`,
      token: token(),
    });
    expect(bad.statusCode).toBe(400);
    const r = await get(`/analytics/retention?from=${from}&to=${to}&period=day&cohortEvent=Signed%20Up`);
    const users = r.cohorts.reduce((n: number, c: { users: number }) => n + c.users, 0);
    expect(users).toBe(4);
    for (const c of r.cohorts as { users: number; retained: number[] }[]) expect(c.retained[0]).toBe(c.users);
  });

  it("feeds the company's domain events into analytics as system_event rows, once each, without their data", async () => {
    // On the server the worker runs async projections; here the test catches up in its place.
    if (target === 'postgres') await app.get(ProjectionRuntime).daemon.catchUp(systemEventsProjection);
    const expected = async () =>
      (
        await ctx().superuser(
          `SELECT event_id::text AS id FROM events WHERE company_id = $1 AND type NOT LIKE 'Analytics%' ORDER BY 1`,
          [w.a.companyId],
        )
      ).map((r) => r.id);
    const stored = async () =>
      (
        await ctx().superuser(
          `SELECT "id" AS id FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = 'system_event' ORDER BY 1`,
          [w.a.companyId],
        )
      ).map((r) => r.id);
    for (let i = 0; i < 100 && (await stored()).length < (await expected()).length; i++)
      await new Promise((r) => setTimeout(r, 100));
    const ids = await expected();
    expect(ids.length).toBeGreaterThan(5);
    expect(await stored()).toEqual(ids);
    const [sample] = await ctx().superuser(
      `SELECT "eventData" AS d FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = 'system_event' AND "eventData"->>'type' = 'UserRegistered' LIMIT 1`,
      [w.a.companyId],
    );
    expect(Object.keys(sample.d as object).sort()).toEqual(['streamId', 'streamType', 'type']);
    // Applied again (a replay after a crash), the events store and count nothing twice.
    const again = await ctx().db.transaction(
      (tx) =>
        new EventStore().readByCompany(tx, w.a.companyId, new Date(0), new Date(Date.now() + DAY_MS), 10_000),
      { allCompanies: true },
    );
    expect(again.length).toBeGreaterThanOrEqual(ids.length);
    await ctx().db.transaction(
      (tx) =>
        systemEventsProjection.apply(tx, again[0]).then(() => systemEventsProjection.applyBatch?.(tx, again)),
      { allCompanies: true },
    );
    expect(await stored()).toEqual(ids);
    const from = utcDay(new Date(Date.now() - DAY_MS));
    const to = utcDay(new Date(Date.now() + DAY_MS));
    const counts = await get(`/analytics/counts?from=${from}&to=${to}&eventType=system_event&source=rollups`);
    const raw = await get(`/analytics/counts?from=${from}&to=${to}&eventType=system_event&source=raw`);
    expect(counts.buckets).toEqual(raw.buckets);
  });

  onServer(target)('stores a batch sent twice at the same moment once', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => track('race', i));
    const [x, y] = await Promise.all([post(batch), post(batch)]);
    expect([x.json().stored, y.json().stored].sort()).toEqual([0, 100]);
    expect(
      (
        await ctx().superuser(
          `SELECT count(*)::int AS n FROM "AnalyticsEvent" WHERE "messageId" LIKE 'race-%'`,
        )
      )[0].n,
    ).toBe(100);
  });

  onServer(target)(
    'sends analytics queries to DATABASE_READ_URL when it is set, and nothing else',
    async () => {
      // The "replica" is the same server under another URL; its connections carry their own name.
      const name = `maple_replica_${Date.now().toString(36)}`;
      const url = new URL(ctx().url as string);
      url.searchParams.set('application_name', name);
      const base = ctx().config;
      const replicaApp = await startApi(ctx(), {
        ...base,
        database: { ...base.database, readUrl: url.toString() },
      });
      const on = async () =>
        Number(
          (
            await ctx().superuser(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`,
              [name],
            )
          )[0].n,
        );
      try {
        const r = await call(replicaApp, {
          method: 'POST',
          url: '/analytics/batch',
          token: token(),
          payload: { batch: [track('replica', 1)] },
        });
        expect(r.json()).toMatchObject({ stored: 1 });
        expect(await on()).toBe(0);
        const q = await call(replicaApp, {
          method: 'GET',
          url: `/analytics/counts?from=${utcDay(new Date())}&to=${utcDay(new Date(Date.now() + DAY_MS))}`,
          token: token(),
        });
        expect(q.statusCode).toBe(200);
        expect(await on()).toBeGreaterThan(0);
      } finally {
        await replicaApp.close();
      }
      // A replica that cannot be reached fails the queries (503), never silently the primary; ingestion goes on.
      const dead = new URL(ctx().url as string);
      dead.port = '1';
      const deadApp = await startApi(ctx(), {
        ...base,
        database: { ...base.database, readUrl: dead.toString(), acquireTimeoutMs: 500 },
      });
      try {
        const q = await call(deadApp, {
          method: 'GET',
          url: `/analytics/counts?from=${utcDay(new Date())}&to=${utcDay(new Date(Date.now() + DAY_MS))}`,
          token: token(),
        });
        expect(q.statusCode).toBe(503);
        expect(q.json().code).toBe('ANALYTICS.REPLICA_UNAVAILABLE');
        expect(
          (
            await call(deadApp, {
              method: 'POST',
              url: '/analytics/batch',
              token: token(),
              payload: { batch: [track('replica', 2)] },
            })
          ).json(),
        ).toMatchObject({ stored: 1 });
      } finally {
        await deadApp.close();
      }
    },
  );
});
