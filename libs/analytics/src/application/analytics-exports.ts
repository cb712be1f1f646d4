import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@maple/platform';
import { AnalyticsError } from '../domain/analytics.errors';
import { AnalyticsReadDb } from '../queries/read-database';
import { resolveRange } from '../queries/ranges';
import type { RangeInput } from '../queries/ranges';

/** Rows one export holds at most; a larger range is split by the client. */
export const EXPORT_MAX_ROWS = 200_000;

export type ExportStatus = {
  exportId: string;
  status: 'pending' | 'done' | 'failed';
  requestedAt: string;
  finishedAt: string | null;
  rows: number | null;
  error: string | null;
};
type Filter = RangeInput & { eventType?: string };

/**
 * Asynchronous NDJSON exports: a request is recorded and answered at once (202), the rows are
 * read from the analytics read database in the background, and the file is fetched when done.
 * A request the process did not finish (a restart) is picked up by the analytics.exports job.
 */
@Injectable()
export class AnalyticsExports {
  private readonly running = new Set<string>();

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AnalyticsReadDb) private readonly reads: AnalyticsReadDb,
  ) {}

  async request(companyId: string, filter: Filter, requestedBy: string): Promise<ExportStatus> {
    // The range is checked now, so a bad one is a 400 and not a failed export later.
    await this.db.transaction(async (tx) => resolveRange(tx, companyId, filter), { companyId });
    const exportId = randomUUID();
    await this.db.transaction(
      (tx) =>
        tx.execute(
          `INSERT INTO "analytics_exports" ("company_id", "export_id", "status", "filter", "requested_by", "requested_at") VALUES ($1, $2, 'pending', $3::jsonb, $4, now())`,
          companyId,
          exportId,
          JSON.stringify(filter),
          requestedBy,
        ),
      { companyId },
    );
    setImmediate(() => void this.run(companyId, exportId).catch(() => undefined));
    return this.status(companyId, exportId);
  }

  async status(companyId: string, exportId: string): Promise<ExportStatus> {
    const [r] = await this.db.transaction(
      (tx) =>
        tx.query<ExportStatus>(
          `SELECT "export_id" AS "exportId", "status", to_char("requested_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "requestedAt",
                  to_char("finished_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt", "rows", "error"
             FROM "analytics_exports" WHERE "company_id" = $1 AND "export_id" = $2`,
          companyId,
          exportId,
        ),
      { companyId },
    );
    // Another company's export id is indistinguishable from a missing one.
    if (!r) throw new AnalyticsError('ANALYTICS.EXPORT_NOT_FOUND', 'No such export.');
    return r;
  }

  async download(companyId: string, exportId: string): Promise<string> {
    const s = await this.status(companyId, exportId);
    if (s.status !== 'done')
      throw new AnalyticsError('ANALYTICS.EXPORT_NOT_READY', `The export is ${s.status}.`, {
        status: s.status,
      });
    const [r] = await this.db.transaction(
      (tx) =>
        tx.query<{ body: string }>(
          `SELECT "body" FROM "analytics_exports" WHERE "company_id" = $1 AND "export_id" = $2`,
          companyId,
          exportId,
        ),
      { companyId },
    );
    return r.body;
  }

  /** Runs one export (idempotent: a finished one is left alone). */
  async run(companyId: string, exportId: string): Promise<void> {
    if (this.running.has(exportId)) return;
    this.running.add(exportId);
    try {
      const [row] = await this.db.transaction(
        (tx) =>
          tx.query<{ status: string; filter: Filter }>(
            `SELECT "status", "filter" FROM "analytics_exports" WHERE "company_id" = $1 AND "export_id" = $2`,
            companyId,
            exportId,
          ),
        { companyId },
      );
      if (!row || row.status !== 'pending') return;
      const f = row.filter;
      let body = '';
      let rows = 0;
      let error: string | null = null;
      try {
        const out = await this.reads.read(
          companyId,
          async (tx) => {
            const range = await resolveRange(tx, companyId, f);
            const lines = await tx.query<{ line: string }>(
              `SELECT json_build_object('id', "id", 'messageId', "messageId", 'eventType', "eventType", 'userId', "userId",
                        'timestamp', to_char("timestamp", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'sentAt', to_char("sentAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                        'receivedAt', to_char("receivedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'eventData', "eventData")::text AS line
                 FROM "AnalyticsEvent" WHERE "companyId" = $1 AND "timestamp" >= ($2::timestamptz AT TIME ZONE 'UTC') AND "timestamp" < ($3::timestamptz AT TIME ZONE 'UTC')
                  AND ($4::text IS NULL OR "eventType" = $4) ORDER BY "timestamp", "id" LIMIT $5`,
              companyId,
              range.from,
              range.to,
              f.eventType ?? null,
              EXPORT_MAX_ROWS + 1,
            );
            return { lines: lines.map((l) => l.line) };
          },
          120_000,
        );
        if (out.lines.length > EXPORT_MAX_ROWS)
          throw new AnalyticsError(
            'ANALYTICS.QUERY_INVALID',
            `More than ${EXPORT_MAX_ROWS} events; export a shorter range.`,
          );
        rows = out.lines.length;
        body = out.lines.length ? `${out.lines.join('\n')}\n` : '';
      } catch (e) {
        // Only our own messages are kept: never SQL or a stack.
        error = e instanceof AnalyticsError ? e.message : 'The export failed; request it again.';
      }
      await this.db.transaction(
        (tx) =>
          tx.execute(
            `UPDATE "analytics_exports" SET "status" = $3, "finished_at" = now(), "rows" = $4, "body" = $5, "error" = $6 WHERE "company_id" = $1 AND "export_id" = $2 AND "status" = 'pending'`,
            companyId,
            exportId,
            error ? 'failed' : 'done',
            error ? null : rows,
            error ? null : body,
            error,
          ),
        { companyId },
      );
    } finally {
      this.running.delete(exportId);
    }
  }

  /** For the job: exports left pending for a minute (their process stopped), all companies. */
  async runStale(): Promise<number> {
    const stale = await this.db.transaction(
      (tx) =>
        tx.query<{ company_id: string; export_id: string }>(
          `SELECT "company_id", "export_id" FROM "analytics_exports" WHERE "status" = 'pending' AND "requested_at" < now() - interval '1 minute' LIMIT 20`,
        ),
      { allCompanies: true },
    );
    for (const s of stale) await this.run(s.company_id, s.export_id);
    return stale.length;
  }
}
