import { Inject, Injectable } from '@nestjs/common';
import { Database, DomainError, commandMeta } from '@maple/platform';
import type { JobRun } from '@maple/platform';
import { ComplianceRecords, recordStreamId } from '@maple/compliance';
import type { ActionName, Role } from '../domain/definition.types';
import type { InstanceState } from '../domain/instance.state';
import { WorkflowInstances, derivedId } from './instances';
import type { ActionPayload } from './instances';

/** How often a failing action is tried before the instance shows it failed (README "Workflow"). */
export type WorkflowSettings = { actionRetry: { limit: number; delaySeconds: number } };
export const WORKFLOW_SETTINGS = Symbol('WORKFLOW_SETTINGS');
export const DEFAULT_WORKFLOW_SETTINGS: WorkflowSettings = { actionRetry: { limit: 4, delaySeconds: 10 } };

type Target = { stream: string; run: (input: { recordId: string; reason: string }, companyId: string, actAs: { userId: string; role: Role } | null, key: string) => Promise<Record<string, unknown>> };

/**
 * Runs a workflow's action step as the target context's own command, after the step's commit,
 * in a job of its own. Idempotent by the instance's step visit: the target's events carry the
 * step's key as their causation id, so a run that finds them records success without running
 * the command again (a crash between the command and the success, a duplicate delivery).
 */
@Injectable()
export class WorkflowActions {
  private readonly targets: Record<ActionName, Target>;

  constructor(
    @Inject(WorkflowInstances) private readonly instances: WorkflowInstances,
    @Inject(Database) private readonly db: Database,
    @Inject(ComplianceRecords) compliance: ComplianceRecords,
  ) {
    // The command runs as the person whose decision led here, with their role: the target's own
    // rules (four-eyes on a record's creator, reviewer roles) apply to them as to any request.
    const as = (companyId: string, actAs: { userId: string; role: Role } | null, key: string) => ({ ...commandMeta({ actorId: actAs?.userId ?? 'system:workflow', companyId }), commandId: derivedId(key), causationId: key });
    this.targets = {
      'compliance.approveRecord': {
        stream: 'compliance',
        run: async (input, companyId, actAs, key) => {
          const out = await compliance.approve(input.recordId, companyId, input.reason, actAs?.role ?? 'VIEWER', as(companyId, actAs, key));
          return { recordId: input.recordId, status: out.state.status, events: out.events.map((e) => e.type) };
        },
      },
      'compliance.flagRecord': {
        stream: 'compliance',
        run: async (input, companyId, actAs, key) => {
          const out = await compliance.flag(input.recordId, companyId, input.reason, actAs?.role ?? 'VIEWER', as(companyId, actAs, key));
          return { recordId: input.recordId, status: out.state.status, events: out.events.map((e) => e.type) };
        },
      },
    };
  }

  async execute(p: ActionPayload, run: JobRun, settings: WorkflowSettings): Promise<string> {
    const s: InstanceState = await this.instances.state(p.companyId, p.instanceId);
    const c = s.current;
    if (s.status !== 'running' || !c?.action || c.stepId !== p.stepId || c.visit !== p.visit || c.action.status !== 'pending') return `action of ${p.stepId}: nothing to do`;
    const key = `workflow:${p.instanceId}:${p.stepId}:${p.visit}`;
    const record = (outcome: { ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string }) =>
      this.instances.run(p.companyId, p.instanceId, { type: 'RecordActionOutcome', stepId: p.stepId, visit: p.visit, attempt: run.attempt, outcome, meta: { ...commandMeta({ actorId: 'system:workflow', companyId: p.companyId }), causationId: key } });
    if (await this.alreadyApplied(p.companyId, c.action.input.recordId, key)) {
      await record({ ok: true, result: { recordId: c.action.input.recordId, alreadyApplied: true } });
      return `action ${c.action.name} was applied already`;
    }
    try {
      const result = await this.targets[c.action.name].run(c.action.input, p.companyId, c.action.actAs, key);
      await record({ ok: true, result });
      return `action ${c.action.name} done`;
    } catch (e) {
      // The target refused (a rule of its own): trying again changes nothing, so it fails now.
      // Anything else (the database, a deadlock) is retried by the queue with backoff.
      const permanent = e instanceof DomainError;
      if (!permanent && run.attempt <= settings.actionRetry.limit) throw e;
      const code = permanent ? (e as DomainError).code : 'WORKFLOW.ACTION_ERROR';
      const message = permanent ? (e as DomainError).message : 'The target command kept failing; see the worker log.';
      await record({ ok: false, code, message });
      return `action ${c.action.name} failed: ${code}`;
    }
  }

  private async alreadyApplied(companyId: string, recordId: string, key: string): Promise<boolean> {
    const rows = await this.db.transaction(
      (tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND company_id = $2 AND metadata->>'causationId' = $3`, recordStreamId(recordId), companyId, key),
      { companyId },
    );
    return (rows[0]?.n ?? 0) > 0;
  }
}
