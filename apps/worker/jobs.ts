import type { INestApplicationContext } from '@nestjs/common';
import { AiDrift, AiPredictionSeals } from '@maple/ai';
import { AnalyticsExports, AnalyticsStorage } from '@maple/analytics';
import { AuditService, createCheckpoint, ensureAuditPartitions, runScheduledBackup } from '@maple/audit';
import { SubscriptionCommands } from '@maple/billing';
import { ComplianceRecords } from '@maple/compliance';
import { HrRetention } from '@maple/hr';
import { APP_CONFIG, Database, IdempotencyStore, Jobs, commandMeta } from '@maple/platform';
import type { AppConfig, JobDefinition } from '@maple/platform';
import type { Logger } from 'pino';

// The maintenance jobs (the README's job list). Crons are UTC. The queue runs each tick once
// across all workers; every job is idempotent besides (its decider decides nothing when nothing
// is due, or its SQL is IF NOT EXISTS), so a run retried after a crash only repeats a little work.
export function maintenanceJobs(app: INestApplicationContext): JobDefinition[] {
  return [

    {
      name: 'billing.expire-subscriptions',
      cron: '* * * * *',
      async handler() {
        const moved = await app.get(SubscriptionCommands).expireDue(commandMeta({ actorId: 'system:worker', companyId: null }));
        return `${moved.filter((m) => m.events.length).length} subscription(s) moved on`;
      },
    },
    {
      name: 'audit.partitions-ahead',
      cron: '0 */6 * * *',
      // A fresh deployment near the end of a month must not wait six hours for next month's partition.
      runAtStart: true,
      async handler() {
        const made = await ensureAuditPartitions(app.get(Database), 3);
        return made.length ? `created ${made.join(', ')}` : 'partitions already in place';
      },
    },
    {
      name: 'audit.signed-checkpoints',
      cron: '*/15 * * * *',
      async handler() {
        const db = app.get(Database);
        const signer = app.get(AuditService).signer;
        const companies = await db.transaction((tx) => tx.query<{ company_id: string }>(`SELECT DISTINCT company_id FROM events WHERE company_id IS NOT NULL`), { allCompanies: true });
        for (const c of companies) await createCheckpoint(db, signer, c.company_id);
        return `signed ${companies.length} checkpoint(s)`;
      },
    },
    {
      name: 'compliance.rescreen',
      cron: '*/5 * * * *',
      async handler() {
        const r = await app.get(ComplianceRecords).rescreen(app.get(Database), commandMeta({ actorId: 'system:worker', companyId: null }));
        return r.listVersion ? `screened ${r.screened}, flagged ${r.flagged} on list ${r.listVersion.slice(0, 12)}` : 'no sanctions list imported';
      },
    },
    {
      name: 'idempotency.expire-records',
      cron: '*/15 * * * *',
      async handler() {
        // Past IDEMPOTENCY_TTL a key may run again anyway; this only frees the space.
        const n = await app.get(IdempotencyStore).deleteExpired();
        return `deleted ${n} expired idempotency record(s)`;
      },
    },
    {
      // Proposes only: an HR manager approves each purge (POST /hr/retention/proposals/:id/approve).
      name: 'hr.retention-proposals',
      cron: '30 3 * * *',
      async handler() {
        const made = await app.get(HrRetention).proposeDue(commandMeta({ actorId: 'system:worker', companyId: null }));
        return `${made.length} purge proposal(s), ${made.reduce((n, m) => n + m.subjects, 0)} person(s)`;
      },
    },
    {
      // Prediction batches into each company's hash chain: a minute at most between a batch and its seal.
      name: 'ai.seal-predictions',
      cron: '* * * * *',
      async handler() {
        const sealed = await app.get(AiPredictionSeals).sealDue(commandMeta({ actorId: 'system:worker', companyId: null }));
        return `sealed ${sealed.reduce((n, s) => n + s.batches, 0)} prediction batch(es) of ${sealed.length} company(ies)`;
      },
    },
    {
      name: 'ai.drift',
      cron: '15 2 * * *',
      async handler() {
        const checked = await app.get(AiDrift).run(commandMeta({ actorId: 'system:worker', companyId: null }));
        return `checked ${checked.length} deployed model(s), flagged ${checked.filter((c) => c.flagged).length}`;
      },
    },
    {
      name: 'ai.prediction-partitions',
      cron: '0 */6 * * *',
      runAtStart: true,
      async handler() {
        const made = await app.get(Database).transaction((tx) => tx.query<{ name: string }>('SELECT ai_ensure_prediction_partitions(3) AS name'), { allCompanies: true });
        return made.length ? `created ${made.map((m) => m.name).join(', ')}` : 'partitions already in place';
      },
    },
    {
      // EU AI Act Art. 19: at least six months (AI_PREDICTION_RETENTION_MONTHS, never fewer).
      name: 'ai.prediction-retention',
      cron: '45 3 * * *',
      async handler() {
        const months = app.get<AppConfig>(APP_CONFIG).ai.predictionRetentionMonths;
        const [r] = await app.get(Database).transaction((tx) => tx.query<{ n: string }>('SELECT ai_purge_predictions($1::int)::text AS n', months), { allCompanies: true });
        return `deleted ${r?.n ?? 0} prediction(s) older than ${months} month(s)`;
      },
    },
    {
      // Daily partitions of AnalyticsEvent from the late window to two weeks ahead (health wants 7).
      name: 'analytics.partitions-ahead',
      cron: '15 */6 * * *',
      runAtStart: true,
      async handler() {
        const made = await app.get(AnalyticsStorage).ensurePartitions();
        return made.length ? `created ${made.length} partition(s)` : 'partitions already in place';
      },
    },
    {
      // Whole partitions past ANALYTICS_RETENTION_DAYS, then batched deletes for companies that keep less.
      name: 'analytics.retention',
      cron: '45 2 * * *',
      async handler() {
        const storage = app.get(AnalyticsStorage);
        const dropped = await storage.dropExpiredPartitions();
        const purged = await storage.purgeShorterRetention();
        const ids = await storage.expireMessageIds();
        return `dropped ${dropped.length} partition(s), deleted ${purged.reduce((n, p) => n + p.deleted, 0)} row(s) of ${purged.length} compan(ies), forgot ${ids} messageId(s)`;
      },
    },
    {
      // Exports whose process stopped before finishing them.
      name: 'analytics.exports',
      cron: '* * * * *',
      async handler() {
        return `ran ${await app.get(AnalyticsExports).runStale()} stale export(s)`;
      },
    },
    ...backupJobs(app),
  ];
}

/**
 * The scheduled backup (none when BACKUP_INTERVAL_MINUTES is 0). The cron only asks often; the
 * job itself backs up when the newest backup in BACKUP_DIR is one interval old, so any interval
 * works and a restart adds no backup.
 */
export function backupJobs(app: INestApplicationContext, config: AppConfig = app.get<AppConfig>(APP_CONFIG)): JobDefinition[] {
  if (config.backup.intervalMinutes === 0) return [];
  return [
    {
      name: 'backup.scheduled',
      cron: '*/5 * * * *',
      runAtStart: true,
      timeoutSeconds: 4 * 3600,
      handler: () => runScheduledBackup(app.get(Database), config, app.get(AuditService).signer),
    },
  ];
}

/** Registers the maintenance jobs and runs the job queue's workers in this process. */
export async function startJobs(app: INestApplicationContext, log: Logger): Promise<void> {
  const jobs = app.get(Jobs);
  for (const job of maintenanceJobs(app)) jobs.register(job);
  await jobs.start({ work: true }, log.child({ component: 'jobs' }));
}
