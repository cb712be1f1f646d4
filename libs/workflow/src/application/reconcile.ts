import { Inject, Injectable } from '@nestjs/common';
import { Database, Jobs } from '@maple/platform';
import { WorkflowInstances } from './instances';
import { TRIGGER_JOB } from './triggers';
import type { TriggerPayload } from './triggers';

/**
 * Queues again the timers, actions and triggers whose scheduling was lost (a crash between a
 * command's commit and its job). Scheduling is keyed by step visit, and a late or repeated timer decides
 * nothing, so queueing too much is harmless.
 */
@Injectable()
export class WorkflowReconcile {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
    @Inject(Jobs) private readonly jobs: Jobs,
  ) {}

  async run(limit = 500): Promise<string> {
    const due = await this.db.transaction(
      (tx) =>
        tx.query<{ company_id: string; instance_id: string; step_id: string; task_id: string; due_at: Date }>(
          `SELECT t.company_id, t.instance_id, t.step_id, t.task_id, t.due_at FROM "workflow_tasks" t
            JOIN "workflow_instances" i ON i.company_id = t.company_id AND i.instance_id = t.instance_id AND i.status = 'running'
            WHERE t.status = 'open' AND t.due_at IS NOT NULL AND NOT t.escalated AND t.due_at < now() ORDER BY t.due_at LIMIT $1`,
          limit,
        ),
      { allCompanies: true },
    );
    for (const t of due) await this.instances.armTimer({ companyId: t.company_id, instanceId: t.instance_id, stepId: t.step_id, visit: Number(t.task_id.split('.').at(-1)), kind: 'sla', armedAtVersion: 0 }, new Date(t.due_at));
    // Instances at a timer or an action that should have moved on a minute ago (their job lost).
    const waiting = await this.db.transaction(
      (tx) =>
        tx.query<{ company_id: string; instance_id: string }>(
          `SELECT company_id, instance_id FROM "workflow_instances" WHERE status = 'running' AND wake_at IS NOT NULL AND wake_at < now() - interval '1 minute' ORDER BY wake_at LIMIT $1`,
          limit,
        ),
      { allCompanies: true },
    );
    let queued = 0;
    for (const w of waiting) {
      const s = await this.instances.state(w.company_id, w.instance_id);
      const c = s.current;
      if (!c) continue;
      if (c.kind === 'timer' && c.fireAt) await this.instances.armTimer({ companyId: w.company_id, instanceId: w.instance_id, stepId: c.stepId, visit: c.visit, kind: 'timer', armedAtVersion: 0 }, new Date(c.fireAt));
      else if (c.kind === 'action' && c.action?.status === 'pending') await this.instances.queueAction({ companyId: w.company_id, instanceId: w.instance_id, stepId: c.stepId, visit: c.visit });
      else continue;
      queued++;
    }
    // Triggering events the inbox holds undone for a minute: their job was lost (or failed for good).
    const triggers = await this.db.transaction(
      async (tx) => {
        await tx.execute(`DELETE FROM "workflow_trigger_inbox" WHERE "done_at" < now() - interval '7 days'`);
        return tx.query<{ company_id: string; event_id: string }>(
          `SELECT company_id, event_id::text FROM "workflow_trigger_inbox" WHERE "done_at" IS NULL AND "recorded_at" < now() - interval '1 minute' ORDER BY "recorded_at" LIMIT $1`,
          limit,
        );
      },
      { allCompanies: true },
    );
    for (const t of triggers) await this.jobs.schedule(TRIGGER_JOB, { companyId: t.company_id, eventId: t.event_id } satisfies TriggerPayload, { singletonKey: t.event_id });
    return `${due.length} overdue task timer(s), ${queued} timer/action job(s), ${triggers.length} trigger job(s) queued again`;
  }
}
