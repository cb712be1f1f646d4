import { Inject, Injectable } from '@nestjs/common';
import type { Tx } from '@maple/platform';
import { AnalyticsReadDb } from './read-database';
import type { Fresh } from './read-database';
import { resolveRange, wholeHourZone } from './ranges';
import type { Interval, Range, RangeInput } from './ranges';

export type CountBucket = { bucket: string; eventType: string; events: number; users: number };
export type CountsView = {
  interval: Interval;
  timeZone: string;
  from: string;
  to: string;
  source: 'rollups' | 'raw';
  buckets: CountBucket[];
};
export type Filter = { eventType?: string; event?: string };

// Local dates for days and weeks (ISO weeks start on Monday), UTC instants for hours.
const label = (col: string, interval: Interval) =>
  interval === 'hour'
    ? `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
    : `to_char(${col} AT TIME ZONE $4, 'YYYY-MM-DD')`;

const inRange = `"timestamp" >= ($2::timestamptz AT TIME ZONE 'UTC') AND "timestamp" < ($3::timestamptz AT TIME ZONE 'UTC')`;

/** Event counts and unique users, breakdowns, funnels and retention cohorts: all read where AnalyticsReadDb says. */
@Injectable()
export class AnalyticsReads {
  constructor(@Inject(AnalyticsReadDb) private readonly reads: AnalyticsReadDb) {}

  /**
   * Counts and unique users by event type and bucket. From the hourly rollups unless asked for
   * the raw events, or the company's zone is not a whole number of hours from UTC.
   */
  counts(
    companyId: string,
    q: RangeInput & Filter & { interval: Interval; source?: 'rollups' | 'raw' },
  ): Promise<Fresh<CountsView>> {
    return this.reads.read(companyId, async (tx) => {
      const range = await resolveRange(tx, companyId, q, q.interval);
      const timeZone = range.timeZone;
      const source = q.source === 'raw' || !(await wholeHourZone(tx, timeZone)) ? 'raw' : 'rollups';
      const rows =
        source === 'rollups'
          ? await rollupCounts(tx, companyId, range, q.interval, q.eventType)
          : await rawCounts(tx, companyId, range, q.interval, q.eventType);
      return {
        interval: q.interval,
        timeZone,
        from: range.from,
        to: range.to,
        source,
        buckets: rows.map((r) => ({
          bucket: r.bucket,
          eventType: r.eventType,
          events: Number(r.events),
          users: Number(r.users),
        })),
      };
    });
  }

  /** Events and unique users per value of one property (the 100 most frequent values). */
  breakdown(companyId: string, q: RangeInput & Filter & { property: string }) {
    return this.reads.read(companyId, async (tx) => {
      const range = await resolveRange(tx, companyId, q);
      const timeZone = range.timeZone;
      const rows = await tx.query<{ value: string | null; events: string; users: string }>(
        `SELECT "eventData"->'properties'->>$5 AS value, count(*)::int8 AS events, count(DISTINCT "userId")::int8 AS users
           FROM "AnalyticsEvent" WHERE "companyId" = $1 AND ${inRange} AND ($4::text IS NULL OR "eventType" = $4) AND ($6::text IS NULL OR "eventData"->>'event' = $6)
          GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT 100`,
        companyId,
        range.from,
        range.to,
        q.eventType ?? null,
        q.property,
        q.event ?? null,
      );
      return {
        property: q.property,
        timeZone,
        from: range.from,
        to: range.to,
        values: rows.map((r) => ({ value: r.value, events: Number(r.events), users: Number(r.users) })),
      };
    });
  }

  /**
   * A funnel: users who did step 1 in the range, then step 2 after it, ... each step within
   * `windowHours` of their first step 1. Counted from the raw events.
   */
  funnel(companyId: string, q: RangeInput & { steps: string[]; windowHours: number }) {
    return this.reads.read(companyId, async (tx) => {
      const range = await resolveRange(tx, companyId, q);
      const timeZone = range.timeZone;
      // Step names are parameters ($6...); only the number of steps (2 to 5) shapes the SQL text.
      const steps = q.steps.map((_, i) =>
        i === 0
          ? `s0 AS (SELECT u, min(t) AS t0, min(t) AS t FROM ev WHERE n = $6 GROUP BY u)`
          : `s${i} AS (SELECT p.u, p.t0, min(ev.t) AS t FROM s${i - 1} p JOIN ev ON ev.u = p.u AND ev.n = $${6 + i} AND ev.t >= p.t AND ev.t <= p.t0 + make_interval(hours => $5::int) GROUP BY p.u, p.t0)`,
      );
      const [r] = await tx.query<Record<string, string>>(
        `WITH ev AS MATERIALIZED (
           SELECT "userId" AS u, "eventData"->>'event' AS n, "timestamp" AS t FROM "AnalyticsEvent"
            WHERE "companyId" = $1 AND ${inRange} AND "userId" IS NOT NULL AND "eventData"->>'event' = ANY($4::text[])),
         ${steps.join(',\n')}
         SELECT ${q.steps.map((_, i) => `(SELECT count(*) FROM s${i})::int8 AS c${i}`).join(', ')}`,
        companyId,
        range.from,
        range.to,
        q.steps,
        q.windowHours,
        ...q.steps,
      );
      const counts = q.steps.map((_, i) => Number(r[`c${i}`]));
      return {
        timeZone,
        from: range.from,
        to: range.to,
        windowHours: q.windowHours,
        steps: q.steps.map((event, i) => ({
          event,
          users: counts[i],
          conversion: counts[0] ? counts[i] / counts[0] : 0,
        })),
      };
    });
  }

  /**
   * Retention cohorts: users by the day (or week) of their first event in the range (or first
   * `cohortEvent`), and how many of them came back (any event, or `returnEvent`) k periods later.
   */
  retention(
    companyId: string,
    q: RangeInput & { period: 'day' | 'week'; cohortEvent?: string; returnEvent?: string },
  ) {
    return this.reads.read(companyId, async (tx) => {
      const range = await resolveRange(tx, companyId, q);
      const timeZone = range.timeZone;
      const rows = await tx.query<{ cohort: string; size: string; k: number; users: string }>(
        `WITH ev AS MATERIALIZED (
           SELECT "userId" AS u, date_trunc($5, "timestamp" AT TIME ZONE 'UTC', $4) AS d, "eventData"->>'event' AS n FROM "AnalyticsEvent"
            WHERE "companyId" = $1 AND ${inRange} AND "userId" IS NOT NULL),
         firsts AS (SELECT u, min(d) AS c FROM ev WHERE $6::text IS NULL OR n = $6 GROUP BY u),
         sizes AS (SELECT c, count(*) AS size FROM firsts GROUP BY c),
         back AS (SELECT DISTINCT u, d FROM ev WHERE $7::text IS NULL OR n = $7),
         ret AS (SELECT f.c, round(extract(epoch FROM b.d - f.c) / CASE WHEN $5 = 'week' THEN 604800 ELSE 86400 END)::int AS k, count(DISTINCT b.u) AS users
                   FROM firsts f JOIN back b ON b.u = f.u AND b.d >= f.c GROUP BY 1, 2)
         SELECT to_char(s.c AT TIME ZONE $4, 'YYYY-MM-DD') AS cohort, s.size::int8 AS size, r.k, coalesce(r.users, 0)::int8 AS users
           FROM sizes s LEFT JOIN ret r ON r.c = s.c ORDER BY s.c, r.k`,
        companyId,
        range.from,
        range.to,
        timeZone,
        q.period,
        q.cohortEvent ?? null,
        q.returnEvent ?? null,
      );
      const cohorts = new Map<string, { cohort: string; users: number; retained: number[] }>();
      for (const r of rows) {
        const c = cohorts.get(r.cohort) ?? { cohort: r.cohort, users: Number(r.size), retained: [] };
        if (r.k !== null) {
          while (c.retained.length < r.k) c.retained.push(0);
          c.retained[r.k] = Number(r.users);
        }
        cohorts.set(r.cohort, c);
      }
      return { period: q.period, timeZone, from: range.from, to: range.to, cohorts: [...cohorts.values()] };
    });
  }
}

type Row = { bucket: string; eventType: string; events: string; users: string };

async function rollupCounts(
  tx: Tx,
  companyId: string,
  r: Range,
  interval: Interval,
  eventType?: string,
): Promise<Row[]> {
  // Unique users of days and weeks come from the daily sets (local days), of hours from the hourly ones.
  const users =
    interval === 'hour'
      ? `SELECT "event_type", ${label(`date_trunc('hour', "bucket")`, interval)} AS bucket, count(DISTINCT "user_id") AS users FROM "analytics_rollup_users"
          WHERE "company_id" = $1 AND "bucket" >= $2::timestamptz AND "bucket" < $3::timestamptz AND ($6::text IS NULL OR "event_type" = $6) GROUP BY 1, 2`
      : `SELECT "event_type", to_char(date_trunc($5, "day"::timestamp), 'YYYY-MM-DD') AS bucket, count(DISTINCT "user_id") AS users FROM "analytics_rollup_users_daily"
          WHERE "company_id" = $1 AND "day" >= ($2::timestamptz AT TIME ZONE $4)::date AND "day" < ($3::timestamptz AT TIME ZONE $4)::date AND ($6::text IS NULL OR "event_type" = $6) GROUP BY 1, 2`;
  return tx.query<Row>(
    `WITH ev AS (
       SELECT "event_type", date_trunc($5, "bucket", $4) AS b, sum("events") AS events FROM "analytics_rollup_hourly"
        WHERE "company_id" = $1 AND "bucket" >= $2::timestamptz AND "bucket" < $3::timestamptz AND ($6::text IS NULL OR "event_type" = $6) GROUP BY 1, 2),
     labelled AS (SELECT "event_type", b, ${label('b', interval)} AS bucket, events FROM ev),
     us AS (${users})
     SELECT l.bucket, l."event_type" AS "eventType", l.events::int8 AS events, coalesce(us.users, 0)::int8 AS users
       FROM labelled l LEFT JOIN us ON us."event_type" = l."event_type" AND us.bucket = l.bucket ORDER BY l.b, 2`,
    companyId,
    r.from,
    r.to,
    r.timeZone,
    interval,
    eventType ?? null,
  );
}

async function rawCounts(
  tx: Tx,
  companyId: string,
  r: Range,
  interval: Interval,
  eventType?: string,
): Promise<Row[]> {
  return tx.query<Row>(
    `WITH ev AS (
       SELECT "eventType", date_trunc($5, "timestamp" AT TIME ZONE 'UTC', $4) AS b, count(*) AS events, count(DISTINCT "userId") AS users FROM "AnalyticsEvent"
        WHERE "companyId" = $1 AND ${inRange} AND ($6::text IS NULL OR "eventType" = $6) GROUP BY 1, 2)
     SELECT ${label('b', interval)} AS bucket, "eventType", events::int8 AS events, users::int8 AS users FROM ev ORDER BY b, 2`,
    companyId,
    r.from,
    r.to,
    r.timeZone,
    interval,
    eventType ?? null,
  );
}
