import cronParser from 'cron-parser';
import type { Database } from '../database/database';
import type { JobStatus } from './job.types';

/** The schema pg-boss keeps its queues, jobs, schedules and archive in. */
export const QUEUE_SCHEMA = 'pgboss';

type StatusRow = {
  name: string;
  cron: string | null;
  last_run_at: Date | string | null;
  last_outcome: 'completed' | 'failed' | null;
  next_queued_at: Date | string | null;
  queued: number;
  active: number;
  retrying: number;
  failed_24h: number;
  last_error: string | null;
};

// Finished runs move from job to archive after a while (and leave it after a week), so the
// history reads both. pg-boss's own queues (names starting with __pgboss__) are left out.
const STATUS_SQL = `
  WITH runs AS (
    SELECT name, state, completed_on, start_after, output FROM ${QUEUE_SCHEMA}.job
    UNION ALL
    SELECT name, state, completed_on, start_after, output FROM ${QUEUE_SCHEMA}.archive
  )
  SELECT q.name, s.cron,
         last.completed_on AS last_run_at, last.state::text AS last_outcome,
         (SELECT min(start_after) FROM ${QUEUE_SCHEMA}.job j WHERE j.name = q.name AND j.state IN ('created', 'retry')) AS next_queued_at,
         (SELECT count(*)::int FROM ${QUEUE_SCHEMA}.job j WHERE j.name = q.name AND j.state = 'created') AS queued,
         (SELECT count(*)::int FROM ${QUEUE_SCHEMA}.job j WHERE j.name = q.name AND j.state = 'active') AS active,
         (SELECT count(*)::int FROM ${QUEUE_SCHEMA}.job j WHERE j.name = q.name AND j.state = 'retry') AS retrying,
         (SELECT count(*)::int FROM runs r WHERE r.name = q.name AND r.state = 'failed' AND r.completed_on > now() - interval '24 hours') AS failed_24h,
         (SELECT r.output->>'message' FROM runs r WHERE r.name = q.name AND r.state IN ('failed', 'retry') AND r.output ? 'message'
           ORDER BY coalesce(r.completed_on, r.start_after) DESC LIMIT 1) AS last_error
    FROM ${QUEUE_SCHEMA}.queue q
    LEFT JOIN ${QUEUE_SCHEMA}.schedule s ON s.name = q.name
    LEFT JOIN LATERAL (
      SELECT r.state, r.completed_on FROM runs r
       WHERE r.name = q.name AND r.state IN ('completed', 'failed')
       ORDER BY r.completed_on DESC LIMIT 1
    ) last ON true
   WHERE q.name NOT LIKE '\\_\\_pgboss\\_\\_%'
   ORDER BY q.name`;

/**
 * Each job's last run, next run and failures, read straight from the queue's tables (so the
 * CLI needs no running queue). Empty when no process has started the queue on this database.
 */
export async function readJobStatus(db: Database, now: Date = new Date()): Promise<JobStatus[]> {
  const rows = await db.ownerTransaction(async (tx) => {
    const [installed] = await tx.query<{ t: string | null }>(`SELECT to_regclass('${QUEUE_SCHEMA}.version')::text AS t`);
    return installed?.t ? tx.query<StatusRow>(STATUS_SQL) : [];
  });
  return rows.map((r) => {
    const nextCron = r.cron ? nextCronTick(r.cron, now) : null;
    const queued = r.next_queued_at ? new Date(r.next_queued_at) : null;
    const next = [nextCron, queued].filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
    return {
      name: r.name,
      cron: r.cron,
      lastRunAt: r.last_run_at ? new Date(r.last_run_at) : null,
      lastOutcome: r.last_outcome,
      nextRunAt: next,
      queued: r.queued,
      active: r.active,
      retrying: r.retrying,
      failedLast24h: r.failed_24h,
      lastError: r.last_error,
    };
  });
}

/** The next moment a UTC cron expression fires after `now`. */
export function nextCronTick(cron: string, now: Date): Date {
  return cronParser.parseExpression(cron, { currentDate: now, tz: 'UTC' }).next().toDate();
}
