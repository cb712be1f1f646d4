// Maple's own workflow definition format (README "Workflow"). A definition is data: it is
// validated by definition-schema.ts and definition-graph.ts before it is ever published.

export type Role = 'ADMIN' | 'USER' | 'COMPLIANCE_OFFICER' | 'HR_MANAGER' | 'ANALYST' | 'VIEWER';
export const ROLES: readonly Role[] = ['ADMIN', 'USER', 'COMPLIANCE_OFFICER', 'HR_MANAGER', 'ANALYST', 'VIEWER'];

/** A JSON Logic rule over the instance's data. */
export type Logic = unknown;

export type OnBreach = { reassignTo: Role } | { notify: true } | { autoReject: true };
export type Sla = { due: string; onBreach: OnBreach };

export type TaskStep = { id: string; kind: 'task'; title?: string; assignee: { role: Role } | { user: string }; form?: Record<string, unknown>; sla?: Sla; next: string; onReject?: string };
export type ApprovalRule = 'any' | 'all' | { quorum: number };
export type ApprovalStep = { id: string; kind: 'approval'; title?: string; assignees: { role: Role } | { users: string[] }; complete: ApprovalRule; sla?: Sla; next: string; onReject?: string };
export type ChoiceStep = { id: string; kind: 'choice'; title?: string; branches: { when: Logic; next: string }[]; otherwise: string };
export type TimerStep = { id: string; kind: 'timer'; title?: string; duration?: string; until?: string; next: string };
export type ActionStep = { id: string; kind: 'action'; title?: string; action: ActionName; input: { recordId: Logic; reason: string }; next: string };
export type EndStep = { id: string; kind: 'end'; title?: string; outcome?: 'approved' | 'rejected' | 'done' };
export type Step = TaskStep | ApprovalStep | ChoiceStep | TimerStep | ActionStep | EndStep;
export type StepKind = Step['kind'];

/** Commands of other contexts a workflow may run (README "Workflow actions"). */
export const ACTIONS = ['compliance.approveRecord', 'compliance.flagRecord'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** Events of other contexts that may start an instance. */
export const TRIGGER_EVENTS = ['ComplianceRecordCreated'] as const;
export type Trigger = { event: (typeof TRIGGER_EVENTS)[number]; when?: Logic };

export const WORKFLOW_TYPES = ['onboarding', 'compliance', 'approval'] as const;
export type WorkflowType = (typeof WORKFLOW_TYPES)[number];

export type Definition = {
  name: string;
  description?: string;
  type: WorkflowType;
  start: string;
  steps: Step[];
  triggers?: Trigger[];
};

export const HUMAN_KINDS: readonly StepKind[] = ['task', 'approval'];

/** Every step a step can move to, in the order the definition names them. */
export function successors(s: Step): string[] {
  switch (s.kind) {
    case 'task':
    case 'approval':
      return s.onReject ? [s.next, s.onReject] : [s.next];
    case 'choice':
      return [...s.branches.map((b) => b.next), s.otherwise];
    case 'timer':
    case 'action':
      return [s.next];
    case 'end':
      return [];
    default: {
      const unknown: never = s;
      return unknown;
    }
  }
}
