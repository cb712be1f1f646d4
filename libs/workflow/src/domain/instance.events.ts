import type { ActionName, ApprovalRule, Definition, Role } from './definition.types';

export type Assignee = { role: Role | null; user: string | null };
export type Trigger = { event: string; eventId: string; recordId: string | null; recordType: string | null };
export type StepOutcome = 'approved' | 'rejected' | 'done';

// The instance's stream. Every decision names who decided, with their comment and the version
// of the instance data they saw; a choice records the branch it took, so replay never
// evaluates a condition again.
export type WorkflowInstanceEvent =
  | { type: 'WorkflowInstanceStarted'; data: { instanceId: string; companyId: string; definitionId: string; version: number; definition: Definition; initiatedBy: string; trigger: Trigger | null; data: Record<string, unknown> } }
  | { type: 'WorkflowTaskAssigned'; data: { taskId: string; stepId: string; visit: number; kind: 'task' | 'approval'; assignee: Assignee; users: string[] | null; rule: ApprovalRule | null; needed: number; dueAt: string | null } }
  | { type: 'WorkflowTaskClaimed'; data: { taskId: string; by: string } }
  | { type: 'WorkflowTaskDelegated'; data: { taskId: string; by: string; from: Assignee; to: string; comment: string | null } }
  | { type: 'WorkflowTaskCompleted'; data: { taskId: string; stepId: string; by: string; role: Role; comment: string | null; seenDataVersion: number; form: Record<string, unknown>; dataVersion: number } }
  | { type: 'WorkflowApprovalGiven'; data: { taskId: string; stepId: string; by: string; role: Role; comment: string | null; seenDataVersion: number; approvals: number; needed: number } }
  | { type: 'WorkflowApprovalRejected'; data: { taskId: string; stepId: string; by: string; role: Role | null; comment: string | null; seenDataVersion: number; auto: boolean } }
  | { type: 'WorkflowStepCompleted'; data: { stepId: string; visit: number; taskId: string | null; outcome: StepOutcome; next: string | null } }
  | { type: 'WorkflowTaskEscalated'; data: { taskId: string; stepId: string; visit: number; action: 'reassign' | 'notify' | 'autoReject'; toRole: Role | null; dueAt: string } }
  | { type: 'WorkflowTimerArmed'; data: { stepId: string; visit: number; fireAt: string } }
  | { type: 'WorkflowTimedOut'; data: { stepId: string; visit: number } }
  | { type: 'WorkflowChoiceTaken'; data: { stepId: string; visit: number; branch: number | null; next: string } }
  | { type: 'WorkflowActionRequested'; data: { stepId: string; visit: number; action: ActionName; input: { recordId: string; reason: string }; actAs: { userId: string; role: Role } | null } }
  | { type: 'WorkflowActionSucceeded'; data: { stepId: string; visit: number; attempt: number; result: Record<string, unknown> } }
  | { type: 'WorkflowActionFailed'; data: { stepId: string; visit: number; attempt: number; error: { code: string; message: string } } }
  | { type: 'WorkflowActionRetried'; data: { stepId: string; visit: number; by: string } }
  | { type: 'WorkflowInstanceCancelled'; data: { by: string; reason: string | null } }
  | { type: 'WorkflowInstanceCompleted'; data: { stepId: string; visit: number; outcome: StepOutcome } };

export const INSTANCE_EVENT_TYPES: readonly WorkflowInstanceEvent['type'][] = [
  'WorkflowInstanceStarted',
  'WorkflowTaskAssigned',
  'WorkflowTaskClaimed',
  'WorkflowTaskDelegated',
  'WorkflowTaskCompleted',
  'WorkflowApprovalGiven',
  'WorkflowApprovalRejected',
  'WorkflowStepCompleted',
  'WorkflowTaskEscalated',
  'WorkflowTimerArmed',
  'WorkflowTimedOut',
  'WorkflowChoiceTaken',
  'WorkflowActionRequested',
  'WorkflowActionSucceeded',
  'WorkflowActionFailed',
  'WorkflowActionRetried',
  'WorkflowInstanceCancelled',
  'WorkflowInstanceCompleted',
];
