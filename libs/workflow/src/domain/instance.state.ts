import type { ActionName, ApprovalRule, Definition, Role, StepKind } from './definition.types';
import type { Assignee, StepOutcome, WorkflowInstanceEvent } from './instance.events';

/** The step an instance is at (one at a time: definitions have no parallel branches). */
export type CurrentStep = {
  stepId: string;
  visit: number;
  kind: StepKind;
  taskId: string | null;
  assignee: Assignee;
  users: string[] | null;
  rule: ApprovalRule | null;
  needed: number;
  claimedBy: string | null;
  delegatedFrom: Assignee | null;
  dueAt: string | null;
  escalated: boolean;
  approvals: string[];
  rejections: string[];
  fireAt: string | null;
  action: { name: ActionName; input: { recordId: string; reason: string }; actAs: { userId: string; role: Role } | null; status: 'pending' | 'failed' | 'succeeded'; attempts: number } | null;
};

export type InstanceStatus = 'running' | 'failed' | 'completed' | 'cancelled';

export type InstanceState = {
  exists: boolean;
  instanceId: string | null;
  status: InstanceStatus;
  outcome: StepOutcome | null;
  companyId: string | null;
  definitionId: string | null;
  version: number;
  definition: Definition | null;
  initiatedBy: string | null;
  data: Record<string, unknown>;
  dataVersion: number;
  visits: number;
  current: CurrentStep | null;
  /** Everyone who approved a step of this instance: excluded from later approvals (four-eyes). */
  approvers: string[];
  /** The last person whose decision moved the instance: cross-context actions run as them. */
  lastDecider: { userId: string; role: Role } | null;
  /** The last failed action, until it is retried. */
  failure: { stepId: string; attempt: number; code: string; message: string } | null;
};

export const initialInstance: InstanceState = {
  exists: false,
  instanceId: null,
  status: 'running',
  outcome: null,
  companyId: null,
  definitionId: null,
  version: 0,
  definition: null,
  initiatedBy: null,
  data: {},
  dataVersion: 0,
  visits: 0,
  current: null,
  approvers: [],
  lastDecider: null,
  failure: null,
};

const blank = (stepId: string, visit: number, kind: StepKind): CurrentStep => ({
  stepId,
  visit,
  kind,
  taskId: null,
  assignee: { role: null, user: null },
  users: null,
  rule: null,
  needed: 0,
  claimedBy: null,
  delegatedFrom: null,
  dueAt: null,
  escalated: false,
  approvals: [],
  rejections: [],
  fireAt: null,
  action: null,
});

const withCurrent = (s: InstanceState, f: (c: CurrentStep) => CurrentStep): InstanceState => (s.current ? { ...s, current: f(s.current) } : s);

export function evolve(s: InstanceState, e: WorkflowInstanceEvent): InstanceState {
  switch (e.type) {
    case 'WorkflowInstanceStarted':
      return { ...initialInstance, exists: true, instanceId: e.data.instanceId, companyId: e.data.companyId, definitionId: e.data.definitionId, version: e.data.version, definition: e.data.definition, initiatedBy: e.data.initiatedBy, data: e.data.data };
    case 'WorkflowTaskAssigned': {
      const d = e.data;
      return { ...s, visits: d.visit, current: { ...blank(d.stepId, d.visit, d.kind), taskId: d.taskId, assignee: d.assignee, users: d.users, rule: d.rule, needed: d.needed, dueAt: d.dueAt } };
    }
    case 'WorkflowTaskClaimed':
      return withCurrent(s, (c) => ({ ...c, claimedBy: e.data.by }));
    case 'WorkflowTaskDelegated':
      return withCurrent(s, (c) => ({ ...c, assignee: { role: null, user: e.data.to }, claimedBy: e.data.to, delegatedFrom: c.delegatedFrom ?? e.data.from }));
    case 'WorkflowTaskCompleted':
      return { ...s, data: { ...s.data, ...e.data.form }, dataVersion: e.data.dataVersion, lastDecider: { userId: e.data.by, role: e.data.role } };
    case 'WorkflowApprovalGiven':
      return { ...withCurrent(s, (c) => ({ ...c, approvals: [...c.approvals, e.data.by] })), approvers: [...s.approvers, e.data.by], lastDecider: { userId: e.data.by, role: e.data.role } };
    case 'WorkflowApprovalRejected':
      return withCurrent(s, (c) => ({ ...c, rejections: [...c.rejections, e.data.by] }));
    case 'WorkflowStepCompleted':
      return s;
    case 'WorkflowTaskEscalated':
      return withCurrent(s, (c) => ({ ...c, escalated: true, ...(e.data.action === 'reassign' ? { assignee: { role: e.data.toRole, user: null }, claimedBy: null } : {}) }));
    case 'WorkflowTimerArmed':
      return { ...s, visits: e.data.visit, current: { ...blank(e.data.stepId, e.data.visit, 'timer'), fireAt: e.data.fireAt } };
    case 'WorkflowTimedOut':
      return s;
    case 'WorkflowChoiceTaken':
      return { ...s, visits: e.data.visit, current: blank(e.data.stepId, e.data.visit, 'choice') };
    case 'WorkflowActionRequested':
      return { ...s, visits: e.data.visit, current: { ...blank(e.data.stepId, e.data.visit, 'action'), action: { name: e.data.action, input: e.data.input, actAs: e.data.actAs, status: 'pending', attempts: 0 } } };
    case 'WorkflowActionSucceeded':
      return withCurrent(s, (c) => ({ ...c, action: c.action && { ...c.action, status: 'succeeded', attempts: e.data.attempt } }));
    case 'WorkflowActionFailed':
      return { ...withCurrent(s, (c) => ({ ...c, action: c.action && { ...c.action, status: 'failed', attempts: e.data.attempt } })), status: 'failed', failure: { stepId: e.data.stepId, attempt: e.data.attempt, ...e.data.error } };
    case 'WorkflowActionRetried':
      return { ...withCurrent(s, (c) => ({ ...c, action: c.action && { ...c.action, status: 'pending' } })), status: 'running', failure: null };
    case 'WorkflowInstanceCancelled':
      return { ...s, status: 'cancelled', current: null };
    case 'WorkflowInstanceCompleted':
      return { ...s, visits: e.data.visit, status: 'completed', outcome: e.data.outcome, current: { ...blank(e.data.stepId, e.data.visit, 'end') } };
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}
