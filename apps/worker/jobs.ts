import type { INestApplicationContext } from '@nestjs/common';
import { AuditService, createCheckpoint, ensureAuditPartitions } from '@maple/audit';
import { SubscriptionCommands } from '@maple/billing';
import { ComplianceRecords } from '@maple/compliance';
import { HrRetention } from '@maple/hr';
import { Database, commandMeta } from '@maple/platform';
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
  {
    // Proposes only: an HR manager approves each purge (POST /hr/retention/proposals/:id/approve).
    name: 'hr.retention-proposals',
    everyMs: 24 * 60 * MINUTE,
    async run(app) {
      const made = await app.get(HrRetention).proposeDue(commandMeta({ actorId: 'system:worker', companyId: null }));
      return `${made.length} purge proposal(s), ${made.reduce((n, m) => n + m.subjects, 0)} person(s)`;
    },
  },
];

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
