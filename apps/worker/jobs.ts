import type { INestApplicationContext } from '@nestjs/common';
import { AuditService, createCheckpoint, ensureAuditPartitions, runScheduledBackup } from '@maple/audit';
import { SubscriptionCommands } from '@maple/billing';
import { ComplianceRecords } from '@maple/compliance';
import { APP_CONFIG, Database, commandMeta } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import type { Logger } from 'pino';

export type Job = { name: string; everyMs: number; run(app: INestApplicationContext): Promise<string> };

const MINUTE = 60_000;

// Every job is idempotent (its decider decides nothing when nothing is due, or its SQL is
// IF NOT EXISTS), so two workers running the same job at once only cost a little work.
export const JOBS: Job[] = [
  {
    name: 'billing.expire-subscriptions',
    everyMs: MINUTE,
    async run(app) {
      const moved = await app.get(SubscriptionCommands).expireDue(commandMeta({ actorId: 'system:worker', companyId: null }));
      return `${moved.filter((m) => m.events.length).length} subscription(s) moved on`;
    },
  },
  {
    name: 'audit.partitions-ahead',
    everyMs: 6 * 60 * MINUTE,
    async run(app) {
      const made = await ensureAuditPartitions(app.get(Database), 3);
      return made.length ? `created ${made.join(', ')}` : 'partitions already in place';
    },
  },
  {
    name: 'audit.signed-checkpoints',
    everyMs: 15 * MINUTE,
    async run(app) {
      const db = app.get(Database);
      const signer = app.get(AuditService).signer;
      const companies = await db.transaction((tx) => tx.query<{ company_id: string }>(`SELECT DISTINCT company_id FROM events WHERE company_id IS NOT NULL`), { allCompanies: true });
      for (const c of companies) await createCheckpoint(db, signer, c.company_id);
      return `signed ${companies.length} checkpoint(s)`;
    },
  },
  {
    name: 'compliance.rescreen',
    everyMs: 5 * MINUTE,
    async run(app) {
      const r = await app.get(ComplianceRecords).rescreen(app.get(Database), commandMeta({ actorId: 'system:worker', companyId: null }));
      return r.listVersion ? `screened ${r.screened}, flagged ${r.flagged} on list ${r.listVersion.slice(0, 12)}` : 'no sanctions list imported';
    },
  },
];

/** The scheduled backup, every BACKUP_INTERVAL_MINUTES (0: off). It is due-checked, so a restart does not add one. */
export function backupJob(config: AppConfig): Job[] {
  if (config.backup.intervalMinutes === 0) return [];
  return [
    {
      name: 'backup.scheduled',
      everyMs: config.backup.intervalMinutes * MINUTE,
      async run(app) {
        return runScheduledBackup(app.get(Database), app.get<AppConfig>(APP_CONFIG), app.get(AuditService).signer);
      },
    },
  ];
}

/** The jobs this configuration runs. */
export function jobsFor(config: AppConfig): Job[] {
  return [...JOBS, ...backupJob(config)];
}

/** Runs each job now and then on its interval; returns a stop function. */
export function startJobs(app: INestApplicationContext, log: Logger, jobs: Job[] = JOBS): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  for (const job of jobs) {
    const tick = () => {
      const p = job.run(app).then(
        (msg) => log.info({ job: job.name }, msg),
        (e: Error) => log.error({ job: job.name, err: e.message }, 'job failed; retried on its next run'),
      );
      running.add(p);
      void p.finally(() => running.delete(p));
    };
    tick();
    timers.push(setInterval(tick, job.everyMs));
  }
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(running);
  };
}
