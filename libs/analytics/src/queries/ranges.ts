import type { Tx } from '@maple/platform';
import { AnalyticsError } from '../domain/analytics.errors';

export const INTERVALS = ['hour', 'day', 'week'] as const;
export type Interval = (typeof INTERVALS)[number];

/** A query's time range: a date is local midnight in the company's zone, a date-time an instant. */
export type RangeInput = { from: string; to: string };
export type Range = { from: string; to: string; timeZone: string };

export const DATE_OR_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const MAX_DAYS = 400;
const MAX_HOURLY_DAYS = 31;

type Settings = { timeZone: string; retentionDays: number | null };

export async function settingsOf(tx: Tx, companyId: string): Promise<Settings> {
  const [s] = await tx.query<{ time_zone: string; retention_days: number | null }>(
    `SELECT "time_zone", "retention_days" FROM "analytics_settings" WHERE "company_id" = $1`,
    companyId,
  );
  return { timeZone: s?.time_zone ?? 'UTC', retentionDays: s?.retention_days ?? null };
}

// A bound must be a real calendar date and time (no February 30th, no 25 o'clock).
function realBound(v: string, field: string): void {
  const day = v.slice(0, 10);
  const midnight = new Date(`${day}T00:00:00Z`);
  const year = Number(day.slice(0, 4));
  const ok =
    !Number.isNaN(midnight.getTime()) &&
    year >= 1970 &&
    midnight.toISOString().slice(0, 10) === day &&
    (v.length === 10 ||
      (Number(v.slice(11, 13)) < 24 &&
        Number(v.slice(14, 16)) < 60 &&
        (v.length < 19 || Number(v.slice(17, 19)) < 60) &&
        !Number.isNaN(Date.parse(v))));
  if (!ok || !DATE_OR_INSTANT.test(v))
    throw new AnalyticsError('ANALYTICS.QUERY_INVALID', `${field} is not a real date or date-time.`, {
      field,
    });
}

/**
 * The range as two UTC instants, bounds resolved in the company's zone (so a DST day is 23 or 25
 * hours long), with that zone: one statement.
 */
export async function resolveRange(
  tx: Tx,
  companyId: string,
  input: RangeInput,
  interval: Interval = 'day',
): Promise<Range> {
  realBound(input.from, 'from');
  realBound(input.to, 'to');
  const [r] = await tx.query<{ f: string; t: string; days: number; tz: string }>(
    `WITH z AS (SELECT coalesce((SELECT "time_zone" FROM "analytics_settings" WHERE "company_id" = $3), 'UTC') AS tz),
     b AS (
       SELECT z.tz, CASE WHEN length($1) = 10 THEN $1::date::timestamp AT TIME ZONE z.tz ELSE $1::timestamptz END AS f,
              CASE WHEN length($2) = 10 THEN $2::date::timestamp AT TIME ZONE z.tz ELSE $2::timestamptz END AS t FROM z)
     SELECT tz, to_char(f AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS f, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t,
            extract(epoch FROM t - f)::float8 / 86400 AS days FROM b`,
    input.from,
    input.to,
    companyId,
  );
  if (!(r.days > 0))
    throw new AnalyticsError('ANALYTICS.QUERY_INVALID', '`to` must be after `from`.', { field: 'to' });
  const max = interval === 'hour' ? MAX_HOURLY_DAYS : MAX_DAYS;
  if (r.days > max)
    throw new AnalyticsError(
      'ANALYTICS.QUERY_INVALID',
      `A ${interval === 'hour' ? 'query by hour' : 'query'} covers at most ${max} days.`,
      { field: 'from' },
    );
  return { from: r.f, to: r.t, timeZone: r.tz };
}

// pg_timezone_names reads the whole zone database on every call: asked once per zone and process.
const wholeHours = new Map<string, boolean>();

/** Hourly UTC rollups add up to local days only where the zone's offset is whole hours (not India's +05:30). */
export async function wholeHourZone(tx: Tx, timeZone: string): Promise<boolean> {
  if (timeZone === 'UTC') return true;
  const known = wholeHours.get(timeZone);
  if (known !== undefined) return known;
  const [z] = await tx.query<{ whole: boolean | null }>(
    `SELECT bool_and(extract(minute FROM utc_offset) = 0 AND extract(second FROM utc_offset) = 0) AS whole FROM pg_timezone_names WHERE name = $1`,
    timeZone,
  );
  const whole = z?.whole !== false;
  if (wholeHours.size < 1_000) wholeHours.set(timeZone, whole);
  return whole;
}
