import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AnalyticsStorage } from '@maple/analytics';
import { describeEachDatabase } from '../support/databases';
import { call } from '../security/world';
import type { World } from '../security/world';
import { DAY_MS, buildAnalyticsWorld, prng, startApi, track, utcDay } from './analytics-world';

type Bucket = { bucket: string; eventType: string; events: number; users: number };

const ZONE = 'Europe/Zurich';
const offsetOf = (t: number) =>
  new Intl.DateTimeFormat('en', { timeZone: ZONE, timeZoneName: 'longOffset' })
    .formatToParts(t)
    .find((p) => p.type === 'timeZoneName')?.value;
/** The local calendar day of an instant, by the JavaScript runtime's zone data (the oracle). */
const localDay = (t: number, zone = ZONE) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(t);

// The most recent change of Zurich's UTC offset (DST), found hour by hour: the test needs the
// late window to reach back to it, so it always runs on real dates around a real change.
function lastOffsetChange(now: number): number {
  let t = Math.floor(now / 3600_000) * 3600_000;
  while (offsetOf(t) === offsetOf(t - 3600_000)) t -= 3600_000;
  return t;
}
const change = lastOffsetChange(Date.now());
const windowDays = Math.ceil((Date.now() - change) / DAY_MS) + 3;

describeEachDatabase(
  'analytics rollups and time zones',
  (ctx) => {
    let app: NestFastifyApplication;
    let w: World;
    const token = () => w.a.users.ANALYST.token;
    const counts = async (
      qs: string,
      as = token(),
    ): Promise<{ source: string; from: string; to: string; buckets: Bucket[] }> => {
      const res = await call(app, {
        method: 'GET',
        url: `/analytics/counts?${qs}&eventType=user_action`,
        token: as,
      });
      if (res.statusCode !== 200) throw new Error(`counts: ${res.statusCode} ${res.body}`);
      return res.json();
    };

    beforeAll(async () => {
      app = await startApi(ctx());
      // The late window of this suite reaches back past the last DST change: its days need partitions.
      await app.get(AnalyticsStorage).ensurePartitions();
      w = await buildAnalyticsWorld(app);
    }, 180_000);
    afterAll(async () => {
      await app.close();
    });

    it('keeps the rollups equal to a recount of the raw events after random inserts', async () => {
      const rnd = prng(20261202);
      const now = Date.now();
      const sent: { ts: number; user: string; id: string }[] = [];
      for (let b = 0; b < 4; b++) {
        const batch = Array.from({ length: 120 }, () => {
          // Some messageIds repeat across batches (replays), some events are days late.
          const n = Math.floor(rnd() * 400);
          const ts = now - Math.floor(rnd() * 5 * DAY_MS);
          return track('r', n, {
            userId: `u-${Math.floor(rnd() * 25)}`,
            timestamp: new Date(ts).toISOString(),
            event: ['A', 'B', 'C'][n % 3],
          });
        });
        const res = await call(app, {
          method: 'POST',
          url: '/analytics/batch',
          token: token(),
          payload: { batch },
        });
        expect(res.statusCode).toBe(200);
        for (const e of batch)
          if (!sent.some((s) => s.id === e.messageId))
            sent.push({
              ts: Date.parse(String((e as Record<string, unknown>).timestamp)),
              user: e.userId,
              id: e.messageId,
            });
      }
      const from = utcDay(new Date(now - 6 * DAY_MS));
      const to = utcDay(new Date(now + DAY_MS));
      for (const interval of ['day', 'week']) {
        const rolled = await counts(`from=${from}&to=${to}&interval=${interval}`);
        const raw = await counts(`from=${from}&to=${to}&interval=${interval}&source=raw`);
        expect(rolled.source).toBe('rollups');
        expect(raw.source).toBe('raw');
        expect(rolled.buckets).toEqual(raw.buckets);
      }
      const hourly = await counts(
        `from=${new Date(now - 5 * DAY_MS - 3600_000).toISOString().slice(0, 13)}:00:00Z&to=${new Date(now + 3600_000).toISOString().slice(0, 13)}:00:00Z&interval=hour`,
      );
      const rawHourly = await counts(
        `from=${new Date(now - 5 * DAY_MS - 3600_000).toISOString().slice(0, 13)}:00:00Z&to=${new Date(now + 3600_000).toISOString().slice(0, 13)}:00:00Z&interval=hour&source=raw`,
      );
      expect(hourly.buckets).toEqual(rawHourly.buckets);
      // And both equal what was sent, once per messageId.
      expect(hourly.buckets.reduce((n, b) => n + b.events, 0)).toBe(sent.length);
      const [db] = await ctx().superuser(
        `SELECT (SELECT sum(events) FROM analytics_rollup_hourly WHERE company_id = $1 AND event_type = 'user_action')::int AS rolled,
                (SELECT count(*) FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = 'user_action')::int AS raw`,
        [w.a.companyId],
      );
      expect(db).toEqual({ rolled: sent.length, raw: sent.length });
    });

    it(`buckets days in the company's zone across the DST change of ${new Date(change).toISOString()}`, async () => {
      // Company B holds only this test's events, so its day counts are exactly the oracle's.
      const b = w.b.users.ANALYST.token;
      expect(
        (
          await call(app, {
            method: 'PUT',
            url: '/analytics/settings',
            token: w.b.users.ADMIN.token,
            payload: { timeZone: ZONE },
          })
        ).json(),
      ).toEqual({ timeZone: ZONE, retentionDays: null });
      // Every 90 minutes from a day before the change to a day after: both local midnights around it.
      const times = Array.from({ length: 33 }, (_, i) => change - DAY_MS + i * 90 * 60_000);
      const batch = times.map((t, i) =>
        track('dst', i, { timestamp: new Date(t).toISOString(), userId: `dst-${i % 4}` }),
      );
      expect(
        (await call(app, { method: 'POST', url: '/analytics/batch', token: b, payload: { batch } })).json(),
      ).toMatchObject({ stored: times.length });
      const from = localDay(change - 2 * DAY_MS);
      const to = localDay(change + 2 * DAY_MS);
      const expected = new Map<string, number>();
      for (const t of times) expected.set(localDay(t), (expected.get(localDay(t)) ?? 0) + 1);
      const rolled = await counts(`from=${from}&to=${to}&interval=day`, b);
      const raw = await counts(`from=${from}&to=${to}&interval=day&source=raw`, b);
      expect(rolled.source).toBe('rollups');
      expect(rolled.buckets.map((x) => [x.bucket, x.events])).toEqual([...expected].sort());
      expect(rolled.buckets).toEqual(raw.buckets);
      // The day of the change is 23 or 25 hours long, as the range the API resolved shows.
      const day = await counts(`from=${localDay(change)}&to=${localDay(change + DAY_MS)}&interval=day`, b);
      expect([23, 25]).toContain((Date.parse(day.to) - Date.parse(day.from)) / 3600_000);
    });

    it('counts from the raw events in a zone that is not a whole number of hours from UTC', async () => {
      await call(app, {
        method: 'PUT',
        url: '/analytics/settings',
        token: w.a.users.ADMIN.token,
        payload: { timeZone: 'Asia/Kolkata' },
      });
      const from = localDay(change - 2 * DAY_MS, 'Asia/Kolkata');
      const to = localDay(change + 2 * DAY_MS, 'Asia/Kolkata');
      const r = await counts(`from=${from}&to=${to}&interval=day`);
      expect(r.source).toBe('raw');
      const rows = await ctx().superuser(
        `SELECT to_char("timestamp", 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ts FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "eventType" = 'user_action'`,
        [w.a.companyId],
      );
      const expected = new Map<string, number>();
      for (const { ts } of rows) {
        const d = localDay(Date.parse(String(ts)), 'Asia/Kolkata');
        if (d >= from && d < to) expected.set(d, (expected.get(d) ?? 0) + 1);
      }
      expect(r.buckets.map((b) => [b.bucket, b.events])).toEqual([...expected].sort());
      expect(
        (
          await call(app, {
            method: 'PUT',
            url: '/analytics/settings',
            token: w.a.users.ADMIN.token,
            payload: { timeZone: 'Mars/Olympus' },
          })
        ).statusCode,
      ).toBe(400);
      expect(
        (
          await call(app, {
            method: 'PUT',
            url: '/analytics/settings',
            token: w.a.users.VIEWER.token,
            payload: { timeZone: 'UTC' },
          })
        ).statusCode,
      ).toBe(403);
    });
  },
  { ANALYTICS_LATE_WINDOW_DAYS: String(windowDays) },
);
