import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { Command, Decider } from '@maple/platform';
import type { ApprovalStep, Definition, Role, TaskStep } from './definition.types';
import { Advance, stepOf } from './engine';
import type { Trigger, WorkflowInstanceEvent } from './instance.events';
import type { CurrentStep, InstanceState } from './instance.state';
import { evolve, initialInstance } from './instance.state';
import { WorkflowError } from './workflow.errors';

export type InstanceCommand =
  | (Command<'StartInstance'> & { instanceId: string; companyId: string; definitionId: string; version: number; definition: Definition; trigger: Trigger | null; data: Record<string, unknown> })
  | (Command<'ClaimTask'> & { taskId: string; actorRole: Role })
  | (Command<'CompleteTask'> & { taskId: string; actorRole: Role; form: Record<string, unknown>; comment: string | null; seenDataVersion: number })
  | (Command<'DelegateTask'> & { taskId: string; actorRole: Role; to: string; toRole: Role | null; comment: string | null })
  | (Command<'DecideApproval'> & { taskId: string; actorRole: Role; decision: 'approve' | 'reject'; comment: string | null; seenDataVersion: number })
  | (Command<'FireTimer'> & { stepId: string; visit: number; kind: 'sla' | 'timer' })
  | (Command<'RecordActionOutcome'> & { stepId: string; visit: number; attempt: number; outcome: { ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string } })
  | (Command<'RetryAction'> & Record<never, never>)
  | (Command<'CancelInstance'> & { reason: string | null; actorRole: Role });

const formAjv = new Ajv({ allErrors: false, strict: false });
const forms = new Map<string, ValidateFunction>();

function validateForm(step: TaskStep, form: Record<string, unknown>): void {
  if (!step.form) return;
  const key = JSON.stringify(step.form);
  let v = forms.get(key);
  if (!v) forms.set(key, (v = formAjv.compile(step.form)));
  if (v(form)) return;
  const e = v.errors![0];
  const missing = e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : e.keyword === 'additionalProperties' ? `/${(e.params as { additionalProperty: string }).additionalProperty}` : '';
  const field = `data${`${e.instancePath}${missing}`.replace(/\//g, '.')}`;
  throw new WorkflowError('WORKFLOW.FORM_INVALID', `${field} ${e.keyword === 'additionalProperties' ? 'is not a field of this form' : e.message}`, { field, step: step.id });
}

function running(s: InstanceState): void {
  if (!s.exists) throw new WorkflowError('WORKFLOW.INSTANCE_NOT_FOUND', 'No such workflow instance.');
  if (s.status !== 'running') throw new WorkflowError('WORKFLOW.INSTANCE_NOT_RUNNING', `The instance is ${s.status}.`, { status: s.status });
}

function openTask(s: InstanceState, taskId: string, kind: 'task' | 'approval'): CurrentStep {
  running(s);
  const c = s.current;
  if (!c || c.taskId !== taskId) throw new WorkflowError('WORKFLOW.ALREADY_DECIDED', 'This task is closed: the instance has moved on.');
  if (c.kind !== kind) throw new WorkflowError('WORKFLOW.WRONG_STEP_KIND', `This task is ${c.kind === 'task' ? 'a form to complete' : 'an approval to decide'}.`, { kind: c.kind });
  return c;
}

/** Whether the actor holds the task: claimed by them, assigned to them, or open to their role. */
function holds(c: CurrentStep, actorId: string, role: Role): boolean {
  if (c.claimedBy) return c.claimedBy === actorId;
  return c.assignee.user ? c.assignee.user === actorId : c.assignee.role === role;
}

function decide(cmd: InstanceCommand, s: InstanceState): WorkflowInstanceEvent[] {
  const actor = cmd.meta.actorId ?? 'system';
  if (cmd.type === 'StartInstance') {
    // A trigger's retry (same derived instance id) starts nothing twice.
    if (s.exists) return [];
    const start: WorkflowInstanceEvent = { type: 'WorkflowInstanceStarted', data: { instanceId: cmd.instanceId, companyId: cmd.companyId, definitionId: cmd.definitionId, version: cmd.version, definition: cmd.definition, initiatedBy: actor, trigger: cmd.trigger, data: cmd.data } };
    return [start, ...new Advance(evolve(s, start), cmd.instanceId, cmd.meta).enter(cmd.definition.start).events];
  }
  if (!s.exists) throw new WorkflowError('WORKFLOW.INSTANCE_NOT_FOUND', 'No such workflow instance.');
  const go = () => new Advance(s, s.instanceId ?? '', cmd.meta);
  switch (cmd.type) {
    case 'ClaimTask': {
      const c = openTask(s, cmd.taskId, 'task');
      if (c.claimedBy === actor) return [];
      if (c.claimedBy) throw new WorkflowError('WORKFLOW.TASK_ALREADY_CLAIMED', 'Someone else has claimed this task.');
      if (!holds(c, actor, cmd.actorRole)) throw new WorkflowError('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU', 'This task is not assigned to you or your role.');
      return [{ type: 'WorkflowTaskClaimed', data: { taskId: cmd.taskId, by: actor } }];
    }
    case 'CompleteTask': {
      const c = openTask(s, cmd.taskId, 'task');
      if (!holds(c, actor, cmd.actorRole)) throw new WorkflowError('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU', 'This task is not assigned to you or your role.');
      if (cmd.seenDataVersion !== s.dataVersion) throw new WorkflowError('WORKFLOW.STALE_DATA', `The instance data is at version ${s.dataVersion}; you saw ${cmd.seenDataVersion}.`, { dataVersion: s.dataVersion });
      validateForm(stepOf(s.definition!, c.stepId) as TaskStep, cmd.form);
      return go()
        .push({ type: 'WorkflowTaskCompleted', data: { taskId: cmd.taskId, stepId: c.stepId, by: actor, role: cmd.actorRole, comment: cmd.comment, seenDataVersion: cmd.seenDataVersion, form: cmd.form, dataVersion: s.dataVersion + 1 } })
        .finishStep('done').events;
    }
    case 'DelegateTask': {
      const c = openTask(s, cmd.taskId, 'task');
      if (!holds(c, actor, cmd.actorRole)) throw new WorkflowError('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU', 'This task is not assigned to you or your role.');
      // A task goes only to someone who could have held it: a colleague with the same role.
      if (cmd.to === actor) throw new WorkflowError('WORKFLOW.DELEGATE_INVALID', 'You hold this task already.', { field: 'to' });
      if (cmd.toRole !== cmd.actorRole) throw new WorkflowError('WORKFLOW.DELEGATE_INVALID', 'A task is delegated to a user of this company with the same role as yours.', { field: 'to' });
      return [{ type: 'WorkflowTaskDelegated', data: { taskId: cmd.taskId, by: actor, from: c.claimedBy ? { role: null, user: c.claimedBy } : c.assignee, to: cmd.to, comment: cmd.comment } }];
    }
    case 'DecideApproval': {
      const c = openTask(s, cmd.taskId, 'approval');
      const inPool = c.users ? c.users.includes(actor) : c.assignee.role === cmd.actorRole;
      // Four-eyes: the initiator and earlier approvers of this instance never approve it.
      if (actor === s.initiatedBy) throw new WorkflowError('WORKFLOW.FOUR_EYES', 'The initiator of an instance cannot decide its approvals.');
      if (c.approvals.includes(actor) || c.rejections.includes(actor)) throw new WorkflowError('WORKFLOW.ALREADY_DECIDED', 'You have decided this approval already.');
      if (s.approvers.includes(actor)) throw new WorkflowError('WORKFLOW.FOUR_EYES', 'You approved an earlier step of this instance.');
      if (!inPool) throw new WorkflowError('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU', 'This approval is not assigned to you or your role.');
      if (cmd.seenDataVersion !== s.dataVersion) throw new WorkflowError('WORKFLOW.STALE_DATA', `The instance data is at version ${s.dataVersion}; you saw ${cmd.seenDataVersion}.`, { dataVersion: s.dataVersion });
      const a = go();
      if (cmd.decision === 'reject') {
        a.push({ type: 'WorkflowApprovalRejected', data: { taskId: cmd.taskId, stepId: c.stepId, by: actor, role: cmd.actorRole, comment: cmd.comment, seenDataVersion: cmd.seenDataVersion, auto: false } });
        // In `all` one rejection vetoes; with a users list the step fails once the quorum is out
        // of reach; with a role pool (no fixed size) a rejection vetoes too.
        const left = c.users ? c.users.length - c.approvals.length - (c.rejections.length + 1) : 0;
        if (c.rule === 'all' || !c.users || c.approvals.length + left < c.needed) a.finishStep('rejected');
        return a.events;
      }
      a.push({ type: 'WorkflowApprovalGiven', data: { taskId: cmd.taskId, stepId: c.stepId, by: actor, role: cmd.actorRole, comment: cmd.comment, seenDataVersion: cmd.seenDataVersion, approvals: c.approvals.length + 1, needed: c.needed } });
      if (c.approvals.length + 1 >= c.needed) a.finishStep('approved');
      return a.events;
    }
    case 'FireTimer': {
      const c = s.current;
      // A timer that fires after its step moved on (or a second delivery) does nothing.
      if (s.status !== 'running' || !c || c.stepId !== cmd.stepId || c.visit !== cmd.visit) return [];
      if (cmd.kind === 'timer') {
        if (c.kind !== 'timer') return [];
        return go().push({ type: 'WorkflowTimedOut', data: { stepId: c.stepId, visit: c.visit } }).enter((stepOf(s.definition!, c.stepId) as { next: string }).next).events;
      }
      if ((c.kind !== 'task' && c.kind !== 'approval') || c.escalated) return [];
      const step = stepOf(s.definition!, c.stepId) as TaskStep | ApprovalStep;
      const breach = step.sla!.onBreach;
      const action = 'reassignTo' in breach ? 'reassign' : 'notify' in breach ? 'notify' : 'autoReject';
      const a = go().push({ type: 'WorkflowTaskEscalated', data: { taskId: c.taskId!, stepId: c.stepId, visit: c.visit, action, toRole: 'reassignTo' in breach ? breach.reassignTo : null, dueAt: c.dueAt! } });
      if (action === 'autoReject') {
        a.push({ type: 'WorkflowApprovalRejected', data: { taskId: c.taskId!, stepId: c.stepId, by: 'system', role: null, comment: 'SLA breached: rejected automatically', seenDataVersion: s.dataVersion, auto: true } });
        a.finishStep('rejected');
      }
      return a.events;
    }
    case 'RecordActionOutcome': {
      const c = s.current;
      // Only the pending action of this very step visit: a late or repeated report is dropped.
      if (!c || c.kind !== 'action' || c.stepId !== cmd.stepId || c.visit !== cmd.visit || c.action?.status !== 'pending' || s.status !== 'running') return [];
      if (!cmd.outcome.ok) return [{ type: 'WorkflowActionFailed', data: { stepId: c.stepId, visit: c.visit, attempt: cmd.attempt, error: { code: cmd.outcome.code, message: cmd.outcome.message } } }];
      return go()
        .push({ type: 'WorkflowActionSucceeded', data: { stepId: c.stepId, visit: c.visit, attempt: cmd.attempt, result: cmd.outcome.result } })
        .enter((stepOf(s.definition!, c.stepId) as { next: string }).next).events;
    }
    case 'RetryAction': {
      if (s.status !== 'failed' || s.current?.action?.status !== 'failed') throw new WorkflowError('WORKFLOW.NOT_FAILED', 'Only a failed action can be retried.', { status: s.status });
      return [{ type: 'WorkflowActionRetried', data: { stepId: s.current.stepId, visit: s.current.visit, by: actor } }];
    }
    case 'CancelInstance': {
      if (s.status !== 'running' && s.status !== 'failed') throw new WorkflowError('WORKFLOW.INSTANCE_NOT_RUNNING', `The instance is ${s.status}.`, { status: s.status });
      // Only its initiator or an administrator stops an instance that others are working on.
      if (actor !== s.initiatedBy && cmd.actorRole !== 'ADMIN') throw new WorkflowError('WORKFLOW.NOT_ALLOWED', 'Only the initiator or an administrator cancels an instance.');
      return [{ type: 'WorkflowInstanceCancelled', data: { by: actor, reason: cmd.reason } }];
    }
    default: {
      const unknown: never = cmd;
      throw new Error(`unknown command ${(unknown as Command).type}`);
    }
  }
}

export const instanceDecider: Decider<InstanceCommand, WorkflowInstanceEvent, InstanceState> = { initialState: initialInstance, decide, evolve };
