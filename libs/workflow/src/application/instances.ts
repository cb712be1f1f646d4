import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandRunner, Database, EventStore, Jobs, commandMeta, fold } from '@maple/platform';
import type { CommandMeta, StoredEvent } from '@maple/platform';
import type { Role } from '../domain/definition.types';
import { instanceDecider } from '../domain/instance.decider';
import type { InstanceCommand } from '../domain/instance.decider';
import type { Trigger, WorkflowInstanceEvent } from '../domain/instance.events';
import type { InstanceState } from '../domain/instance.state';
import { WorkflowError } from '../domain/workflow.errors';
import { instanceStreamId } from '../projections/workflow.projection';
import { WorkflowDefinitions } from './definitions';

export const TIMER_JOB = 'workflow.timer';
export const ACTION_JOB = 'workflow.action';

export type TimerPayload = { companyId: string; instanceId: string; stepId: string; visit: number; kind: 'sla' | 'timer'; armedAtVersion: number };
export type ActionPayload = { companyId: string; instanceId: string; stepId: string; visit: number };

/** A uuid derived from text: the same trigger event always names the same instance. */
export function derivedId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Result = { state: InstanceState; events: StoredEvent[] };

/** The thin shells around the instance decider, and the durable work each decision asks for. */
@Injectable()
export class WorkflowInstances {
  private readonly log = new Logger('Workflow');

  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Jobs) private readonly jobs: Jobs,
    @Inject(WorkflowDefinitions) private readonly definitions: WorkflowDefinitions,
  ) {}

  async run(companyId: string, instanceId: string, cmd: InstanceCommand): Promise<Result> {
    const out = await this.runner.run(instanceDecider, { id: instanceStreamId(instanceId), type: 'WorkflowInstance', companyId }, cmd);
    // After commit, never inside the transaction: timers and actions go to the job queue.
    await this.afterCommit(companyId, instanceId, out.events);
    return { state: out.state, events: out.events };
  }

  async start(companyId: string, definitionId: string, data: Record<string, unknown>, meta: CommandMeta, trigger: Trigger | null = null, instanceId: string = randomUUID()): Promise<Result & { instanceId: string }> {
    const def = await this.definitions.load(companyId, definitionId);
    if (!def.active) throw new WorkflowError('WORKFLOW.DEFINITION_INACTIVE', 'This workflow definition is deactivated: it starts no new instances.');
    const version = def.latest;
    const out = await this.run(companyId, instanceId, { type: 'StartInstance', instanceId, companyId, definitionId, version, definition: def.versions[version], trigger, data, meta });
    return { instanceId, ...out };
  }

  async state(companyId: string, instanceId: string): Promise<InstanceState> {
    const events = await this.db.transaction((tx) => this.store.readStream(tx, instanceStreamId(instanceId)), { companyId });
    const state = fold(instanceDecider, events.map((e) => ({ type: e.type, data: e.data }) as WorkflowInstanceEvent));
    if (!state.exists) throw new WorkflowError('WORKFLOW.INSTANCE_NOT_FOUND', 'No such workflow instance.');
    return state;
  }

  /**
   * A command on a task. The task id names its instance (`{instanceId}.{visit}`); the stream is
   * read in the company's scope, so another company's task is as unknown as a made-up one.
   */
  async onTask(companyId: string, taskId: string, cmd: (instanceId: string) => InstanceCommand): Promise<Result & { instanceId: string }> {
    const instanceId = taskId.slice(0, taskId.lastIndexOf('.'));
    try {
      return { instanceId, ...(await this.run(companyId, instanceId, cmd(instanceId))) };
    } catch (e) {
      if (e instanceof WorkflowError && e.code === 'WORKFLOW.INSTANCE_NOT_FOUND') throw new WorkflowError('WORKFLOW.TASK_NOT_FOUND', 'No such task.');
      throw e;
    }
  }

  async delegate(companyId: string, taskId: string, actorRole: Role, to: string, comment: string | null, meta: CommandMeta) {
    const [user] = await this.db.transaction((tx) => tx.query<{ role: Role }>(`SELECT role::text AS role FROM "User" WHERE id = $1 AND "companyId" = $2 AND "isActive"`, to, companyId), { companyId });
    if (!user) throw new WorkflowError('WORKFLOW.DELEGATE_INVALID', 'The delegate is no active user of this company.', { field: 'to' });
    return this.onTask(companyId, taskId, () => ({ type: 'DelegateTask', taskId, actorRole, to, toRole: user.role, comment, meta }));
  }

  async fireTimer(p: TimerPayload): Promise<string> {
    const meta = systemMeta(p.companyId, `timer:${p.instanceId}:${p.visit}:${p.kind}`);
    const out = await this.run(p.companyId, p.instanceId, { type: 'FireTimer', stepId: p.stepId, visit: p.visit, kind: p.kind, meta });
    return out.events.length ? `${p.kind} timer of ${p.stepId} fired: ${out.events.map((e) => e.type).join(', ')}` : `late ${p.kind} timer of ${p.stepId}: the step has moved on`;
  }

  /** Queues what the committed events ask for; a lost scheduling is caught by the reconcile job. */
  async afterCommit(companyId: string, instanceId: string, events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) {
      const d = e.data as Record<string, unknown>;
      try {
        if (e.type === 'WorkflowTaskAssigned' && d.dueAt) await this.armTimer({ companyId, instanceId, stepId: String(d.stepId), visit: Number(d.visit), kind: 'sla', armedAtVersion: e.version }, new Date(String(d.dueAt)));
        else if (e.type === 'WorkflowTimerArmed') await this.armTimer({ companyId, instanceId, stepId: String(d.stepId), visit: Number(d.visit), kind: 'timer', armedAtVersion: e.version }, new Date(String(d.fireAt)));
        else if (e.type === 'WorkflowActionRequested' || e.type === 'WorkflowActionRetried') await this.queueAction({ companyId, instanceId, stepId: String(d.stepId), visit: Number(d.visit) });
      } catch (err) {
        this.log.warn(`could not queue the work of ${e.type} for instance ${instanceId}; the reconcile job will: ${String((err as Error).message).split('\n')[0]}`);
      }
    }
  }

  armTimer(p: TimerPayload, runAt: Date): Promise<string> {
    return this.jobs.schedule(TIMER_JOB, p, { runAt, singletonKey: `${p.instanceId}/${p.visit}/${p.kind}` });
  }

  queueAction(p: ActionPayload): Promise<string> {
    return this.jobs.schedule(ACTION_JOB, p, { singletonKey: `${p.instanceId}/${p.visit}/action` });
  }
}

export function systemMeta(companyId: string, why: string, actorId = 'system:workflow'): CommandMeta {
  return { ...commandMeta({ actorId, companyId }), causationId: why };
}
