import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, Database } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { AnalyticsError } from '../domain/analytics.errors';
import { batchDigest } from '../domain/event-intake';
import { batchRows } from './event-rows';

const ALL = { allCompanies: true };
const DAY_MS = 86_400_000;
/** messageIds are remembered this long: the de-duplication window. */
export const DEDUP_DAYS = 7;
/** Health wants at least this many future daily partitions; the job keeps twice as many. */
export const MIN_FUTURE_PARTITIONS = 7;
export const PARTITIONS_AHEAD = 14;
// Rows per DELETE of a company's shorter retention: short transactions, no long locks.
const DELETE_BATCH = 5_000;

const utcDate = (d: Date) => d.toISOString().slice(0, 10);

export type BatchVerification = {
  batchId: string;
  events: number;
  sealedDigest: string;
  recomputedDigest: string;
  intact: boolean;
  sealEventId: string;
};

/** Partitions, retention, the de-duplication window and seal verification: the storage side of analytics. */
@Injectable()
export class AnalyticsStorage {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Daily partitions from the late window back to PARTITIONS_AHEAD days ahead; returns the ones created. */
  async ensurePartitions(daysAhead = PARTITIONS_AHEAD): Promise<string[]> {
    const rows = await this.db.transaction(
      (tx) =>
        tx.query<{ name: string }>(
          `SELECT "analytics_ensure_partitions"($1::int, $2::int) AS name`,
          this.config.analytics.lateWindowDays + 1,
          daysAhead,
        ),
      ALL,
      { timeoutMs: 300_000 },
    );
    return rows.map((r) => r.name);
  }

  async partitions(): Promise<{ name: string; day: string | null }[]> {
    return this.db.transaction(
      (tx) =>
        tx.query<{ name: string; day: string | null }>(
          `SELECT "name", to_char("day", 'YYYY-MM-DD') AS day FROM "analytics_partitions"()`,
        ),
      ALL,
    );
  }

  /** 'ok', or what an operator must fix: too few future partitions, or rows waiting in the default partition. */
  async health(now = new Date()): Promise<string> {
    const today = utcDate(now);
    const parts = await this.partitions();
    const future = parts.filter((p) => p.day !== null && p.day > today).length;
    const [{ n }] = await this.db.transaction(
      (tx) => tx.query<{ n: string }>(`SELECT "analytics_default_rows"()::text AS n`),
      ALL,
    );
    const problems: string[] = [];
    if (future < MIN_FUTURE_PARTITIONS)
      problems.push(
        `only ${future} future daily partition(s) of AnalyticsEvent (want ${MIN_FUTURE_PARTITIONS}; the analytics.partitions-ahead job creates them)`,
      );
    if (Number(n) > 0) problems.push(`${n} row(s) in the default partition of AnalyticsEvent`);
    return problems.length ? problems.join('; ') : 'ok';
  }

  /** Global retention: drops every daily partition whose whole day is older than ANALYTICS_RETENTION_DAYS. */
  async dropExpiredPartitions(now = new Date()): Promise<string[]> {
    const cutoff = utcDate(new Date(now.getTime() - this.config.analytics.retentionDays * DAY_MS));
    const rows = await this.db.transaction(
      (tx) =>
        tx.query<{ name: string }>(`SELECT "analytics_drop_partitions_before"($1::date) AS name`, cutoff),
      ALL,
      { timeoutMs: 300_000 },
    );
    return rows.map((r) => r.name);
  }

  /**
   * Companies that keep less than the global window: their older rows go in batched deletes,
   * then the rollup buckets before the cutoff (all of whose rows are gone).
   */
  async purgeShorterRetention(now = new Date()): Promise<{ companyId: string; deleted: number }[]> {
    const companies = await this.db.transaction(
      (tx) =>
        tx.query<{ company_id: string; retention_days: number }>(
          `SELECT "company_id", "retention_days" FROM "analytics_settings" WHERE "retention_days" IS NOT NULL`,
        ),
      ALL,
    );
    const out: { companyId: string; deleted: number }[] = [];
    for (const c of companies) {
      const cutoff = new Date(now.getTime() - c.retention_days * DAY_MS).toISOString();
      let deleted = 0;
      for (let n = DELETE_BATCH; n === DELETE_BATCH; deleted += n) {
        n = await this.db.transaction(
          (tx) =>
            tx.execute(
              `DELETE FROM "AnalyticsEvent" WHERE ("id", "timestamp") IN (
                 SELECT "id", "timestamp" FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "timestamp" < ($2::timestamptz AT TIME ZONE 'UTC') LIMIT $3)`,
              c.company_id,
              cutoff,
              DELETE_BATCH,
            ),
          { companyId: c.company_id },
        );
      }
      await this.db.transaction(
        async (tx) => {
          await tx.execute(
            `DELETE FROM "analytics_rollup_hourly" WHERE "company_id" = $1 AND "bucket" < date_trunc('hour', $2::timestamptz)`,
            c.company_id,
            cutoff,
          );
          await tx.execute(
            `DELETE FROM "analytics_rollup_users" WHERE "company_id" = $1 AND "bucket" < date_trunc('hour', $2::timestamptz)`,
            c.company_id,
            cutoff,
          );
          // The hour (and the local days) the cutoff falls in kept some rows: recount them.
          await tx.query(
            `SELECT "analytics_rollup_recount"($1, date_trunc('hour', $2::timestamptz), date_trunc('hour', $2::timestamptz) + interval '1 hour')`,
            c.company_id,
            cutoff,
          );
          await tx.execute(
            `DELETE FROM "analytics_quarantine" WHERE "company_id" = $1 AND "received_at" < $2::timestamptz`,
            c.company_id,
            cutoff,
          );
        },
        { companyId: c.company_id },
      );
      out.push({ companyId: c.company_id, deleted });
    }
    return out;
  }

  /** Forgets messageIds older than the de-duplication window (in batches). */
  async expireMessageIds(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - DEDUP_DAYS * DAY_MS).toISOString();
    let total = 0;
    for (let n = DELETE_BATCH * 4; n === DELETE_BATCH * 4; total += n) {
      n = await this.db.transaction(
        (tx) =>
          tx.execute(
            `DELETE FROM "analytics_message_ids" WHERE ("company_id", "message_id") IN (SELECT "company_id", "message_id" FROM "analytics_message_ids" WHERE "received_at" < $1::timestamptz LIMIT $2)`,
            cutoff,
            DELETE_BATCH * 4,
          ),
        ALL,
      );
    }
    return total;
  }

  /** Recomputes a sealed batch's digest from its stored rows: any edit, insertion or deletion shows. */
  async verifyBatch(companyId: string, batchId: string): Promise<BatchVerification> {
    return this.db.transaction(
      async (tx) => {
        const [b] = await tx.query<{
          events: number;
          digest: string;
          first_at: string | null;
          last_at: string | null;
          event_id: string;
        }>(
          `SELECT "events", "digest", to_char("first_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS first_at, to_char("last_at", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS last_at, "event_id"
           FROM "analytics_batches" WHERE "company_id" = $1 AND "batch_id" = $2`,
          companyId,
          batchId,
        );
        if (!b) throw new AnalyticsError('ANALYTICS.BATCH_NOT_FOUND', 'No such batch.');
        // The seal as the chain holds it, not only its projection.
        const [sealed] = await tx.query<{ digest: string }>(
          `SELECT data->>'digest' AS digest FROM events WHERE event_id = $1 AND company_id = $2`,
          b.event_id,
          companyId,
        );
        const rows = await batchRows(tx, companyId, batchId, b.first_at, b.last_at);
        const recomputed = batchDigest(rows);
        const sealedDigest = sealed?.digest ?? b.digest;
        return {
          batchId,
          events: rows.length,
          sealedDigest,
          recomputedDigest: recomputed,
          intact: recomputed === sealedDigest && sealed?.digest === b.digest,
          sealEventId: b.event_id,
        };
      },
      { companyId },
    );
  }
}
