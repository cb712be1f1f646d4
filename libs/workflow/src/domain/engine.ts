import type { CommandMeta } from '@maple/platform';
import type { ApprovalStep, Definition, Step } from './definition.types';
import { addDuration } from './durations';
import type { StepOutcome, WorkflowInstanceEvent } from './instance.events';
import type { InstanceState } from './instance.state';
import { evolve } from './instance.state';
import { evaluate, truthy } from './json-logic';

// Moves an instance through its steps: automatic steps (choice) are passed at once, a human
// step, a timer or an action stops the move until a command or a job carries it on.
const MAX_HOPS = 200;

export const taskIdOf = (instanceId: string, visit: number) => `${instanceId}.${visit}`;

export function stepOf(d: Definition, id: string): Step {
  const s = d.steps.find((x) => x.id === id);
  if (!s) throw new Error(`definition has no step ${id}`);
  return s;
}

/** Who may approve: the pool minus the initiator and everyone who approved earlier (four-eyes). */
export function eligibleApprovers(step: ApprovalStep, s: InstanceState): string[] | null {
  if (!('users' in step.assignees)) return null;
  return step.assignees.users.filter((u) => u !== s.initiatedBy && !s.approvers.includes(u));
}

function neededOf(step: ApprovalStep, eligible: string[] | null): number {
  if (step.complete === 'any') return 1;
  if (step.complete === 'all') return eligible?.length ?? 1;
  return step.complete.quorum;
}

export class Advance {
  readonly events: WorkflowInstanceEvent[] = [];
  constructor(
    public state: InstanceState,
    private readonly instanceId: string,
    private readonly meta: CommandMeta,
  ) {}

  push(e: WorkflowInstanceEvent): this {
    this.events.push(e);
    this.state = evolve(this.state, e);
    return this;
  }

  /** Ends the current human step and moves on: to `next`, the reject path, or the end. */
  finishStep(outcome: StepOutcome): this {
    const c = this.state.current!;
    const step = stepOf(this.state.definition!, c.stepId) as Extract<Step, { kind: 'task' | 'approval' }>;
    const next = outcome === 'rejected' ? (step.onReject ?? null) : step.next;
    this.push({ type: 'WorkflowStepCompleted', data: { stepId: c.stepId, visit: c.visit, taskId: c.taskId, outcome, next } });
    // A rejection with no reject path ends the instance as rejected.
    if (next === null) return this.push({ type: 'WorkflowInstanceCompleted', data: { stepId: c.stepId, visit: c.visit, outcome: 'rejected' } });
    return this.enter(next);
  }

  enter(first: string): this {
    let id = first;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const s = this.state;
      const step = stepOf(s.definition!, id);
      const visit = s.visits + 1;
      const now = this.meta.now;
      switch (step.kind) {
        case 'task': {
          const assignee = 'role' in step.assignee ? { role: step.assignee.role, user: null } : { role: null, user: step.assignee.user };
          return this.push({ type: 'WorkflowTaskAssigned', data: { taskId: taskIdOf(this.instanceId, visit), stepId: id, visit, kind: 'task', assignee, users: null, rule: null, needed: 1, dueAt: step.sla ? addDuration(now, step.sla.due).toISOString() : null } });
        }
        case 'approval': {
          const eligible = eligibleApprovers(step, s);
          const needed = neededOf(step, eligible);
          const assignee = 'role' in step.assignees ? { role: step.assignees.role, user: null } : { role: null, user: null };
          this.push({ type: 'WorkflowTaskAssigned', data: { taskId: taskIdOf(this.instanceId, visit), stepId: id, visit, kind: 'approval', assignee, users: eligible, rule: step.complete, needed, dueAt: step.sla ? addDuration(now, step.sla.due).toISOString() : null } });
          // Four-eyes can leave too few people to approve: the step is rejected, never waived.
          if (eligible !== null && (eligible.length === 0 || eligible.length < needed)) {
            this.push({ type: 'WorkflowApprovalRejected', data: { taskId: taskIdOf(this.instanceId, visit), stepId: id, by: 'system', role: null, comment: 'not enough eligible approvers after four-eyes exclusions', seenDataVersion: s.dataVersion, auto: true } });
            return this.finishStep('rejected');
          }
          return this;
        }
        case 'choice': {
          // Evaluated once, here; the branch is in the event and replay only reads it.
          const index = step.branches.findIndex((b) => truthy(evaluate(b.when, s.data)));
          const next = index >= 0 ? step.branches[index].next : step.otherwise;
          this.push({ type: 'WorkflowChoiceTaken', data: { stepId: id, visit, branch: index >= 0 ? index : null, next } });
          id = next;
          continue;
        }
        case 'timer': {
          const fireAt = step.duration ? addDuration(now, step.duration) : new Date(step.until!);
          return this.push({ type: 'WorkflowTimerArmed', data: { stepId: id, visit, fireAt: fireAt.toISOString() } });
        }
        case 'action': {
          const rule = step.input.recordId;
          const recordId = typeof rule === 'string' ? rule : evaluate(rule, s.data);
          return this.push({ type: 'WorkflowActionRequested', data: { stepId: id, visit, action: step.action, input: { recordId: typeof recordId === 'string' ? recordId : String(recordId ?? ''), reason: step.input.reason }, actAs: s.lastDecider } });
        }
        case 'end':
          return this.push({ type: 'WorkflowInstanceCompleted', data: { stepId: id, visit, outcome: step.outcome ?? 'done' } });
        default: {
          const unknown: never = step;
          return unknown;
        }
      }
    }
    // Publishing refuses cycles without a timer, so this is a definition the engine cannot run.
    throw new Error('workflow advanced too many automatic steps in one go');
  }
}
