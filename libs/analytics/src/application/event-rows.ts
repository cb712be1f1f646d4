import type { Tx } from '@maple/platform';
import type { IntakeEvent } from '../domain/event-intake';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Writes rows of AnalyticsEvent in one statement (arrays as parameters, however many rows) and
 * adds them to the hourly rollups in the same statement: only the buckets the rows fall in are
 * touched, and a row that was already there (ON CONFLICT) counts nothing. Buckets are upserted
 * in key order so that concurrent batches lock them in the same order. Daily users are filed
 * under the company's local day.
 */
export async function insertEventRows(
  tx: Tx,
  companyId: string,
  batchId: string | null,
  rows: readonly IntakeEvent[],
): Promise<number> {
  if (!rows.length) return 0;
  const [r] = await tx.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO "AnalyticsEvent" ("id", "eventType", "eventData", "userId", "companyId", "timestamp", "sentAt", "receivedAt", "messageId", "batchId")
       SELECT t.id, t.et, t.d::jsonb, t.u, $1, t.ts::timestamptz AT TIME ZONE 'UTC', t.sa::timestamptz AT TIME ZONE 'UTC', t.ra::timestamptz AT TIME ZONE 'UTC', t.m, $2
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS t(id, et, d, u, ts, sa, ra, m)
       ON CONFLICT DO NOTHING
       RETURNING "eventType", "timestamp", "userId"
     ), hours AS (
       INSERT INTO "analytics_rollup_hourly" ("company_id", "event_type", "bucket", "events")
       SELECT $1, "eventType", date_trunc('hour', "timestamp") AT TIME ZONE 'UTC', count(*) FROM ins GROUP BY 2, 3 ORDER BY 2, 3
       ON CONFLICT ("company_id", "event_type", "bucket") DO UPDATE SET "events" = "analytics_rollup_hourly"."events" + excluded."events"
     ), users AS (
       INSERT INTO "analytics_rollup_users" ("company_id", "event_type", "bucket", "user_id")
       SELECT DISTINCT $1, "eventType", date_trunc('hour', "timestamp") AT TIME ZONE 'UTC', "userId" FROM ins WHERE "userId" IS NOT NULL ORDER BY 2, 3, 4
       ON CONFLICT DO NOTHING
     ), days AS (
       INSERT INTO "analytics_rollup_users_daily" ("company_id", "event_type", "day", "user_id")
       SELECT DISTINCT $1, "eventType", (("timestamp" AT TIME ZONE 'UTC') AT TIME ZONE z.tz)::date, "userId"
         FROM ins, (SELECT coalesce((SELECT "time_zone" FROM "analytics_settings" WHERE "company_id" = $1), 'UTC') AS tz) z
        WHERE "userId" IS NOT NULL ORDER BY 2, 3, 4
       ON CONFLICT DO NOTHING
     )
     SELECT count(*)::int AS n FROM ins`,
    companyId,
    batchId,
    rows.map((e) => e.id),
    rows.map((e) => e.eventType),
    rows.map((e) => JSON.stringify(e.eventData)),
    rows.map((e) => e.userId),
    rows.map((e) => iso(e.timestamp)),
    rows.map((e) => iso(e.sentAt)),
    rows.map((e) => iso(e.receivedAt)),
    rows.map((e) => e.messageId),
  );
  return r.n;
}

type RowOut = {
  id: string;
  messageId: string;
  eventType: IntakeEvent['eventType'];
  userId: string | null;
  ts: string;
  sentAt: string | null;
  receivedAt: string;
  eventData: Record<string, unknown>;
};

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The stored rows of one sealed batch, read back as the digest saw them. */
export async function batchRows(
  tx: Tx,
  companyId: string,
  batchId: string,
  firstAt: string | null,
  lastAt: string | null,
): Promise<IntakeEvent[]> {
  if (!firstAt || !lastAt) return [];
  // The batch's time range prunes the partitions; the BRIN index narrows the scan within them.
  const rows = await tx.query<RowOut>(
    `SELECT "id", "messageId", "eventType", "userId", to_char("timestamp", ${ISO_MS}) AS ts, to_char("sentAt", ${ISO_MS}) AS "sentAt", to_char("receivedAt", ${ISO_MS}) AS "receivedAt", "eventData"
       FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "batchId" = $2 AND "timestamp" >= $3::timestamp AND "timestamp" <= $4::timestamp`,
    companyId,
    batchId,
    firstAt,
    lastAt,
  );
  return rows.map((r) => ({
    id: r.id,
    messageId: r.messageId,
    eventType: r.eventType,
    userId: r.userId,
    timestamp: new Date(r.ts),
    sentAt: r.sentAt ? new Date(r.sentAt) : null,
    receivedAt: new Date(r.receivedAt),
    eventData:
      typeof r.eventData === 'string' ? (JSON.parse(r.eventData) as Record<string, unknown>) : r.eventData,
  }));
}
