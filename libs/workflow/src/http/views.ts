import type { InstanceState } from '../domain/instance.state';
import type { TaskRow } from '../queries/workflow.queries';

export const INSTANCE_EXAMPLE = {
  id: '0f9e6a3c-5b3f-4c8e-9d8a-8d2b7f0c1a11',
  definitionId: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  version: 1,
  status: 'running',
  outcome: null,
  initiatedBy: 'user-alice',
  data: { trigger: { recordId: 'rec-1', recordType: 'KYC' } },
  dataVersion: 0,
  current: { stepId: 'collect', kind: 'task', taskId: '0f9e6a3c-5b3f-4c8e-9d8a-8d2b7f0c1a11.1', dueAt: '2026-12-02T09:00:00.000Z', action: null },
  failure: null,
};

export const TASK_EXAMPLE = {
  id: '0f9e6a3c-5b3f-4c8e-9d8a-8d2b7f0c1a11.1',
  instanceId: '0f9e6a3c-5b3f-4c8e-9d8a-8d2b7f0c1a11',
  definitionId: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
  stepId: 'collect',
  kind: 'task',
  status: 'open',
  outcome: null,
  assigneeRole: 'COMPLIANCE_OFFICER',
  assigneeUser: null,
  eligibleUsers: null,
  claimedBy: null,
  delegatedFrom: null,
  decisions: [],
  dueAt: '2026-12-02T09:00:00.000Z',
  overdue: false,
  escalated: false,
  createdAt: '2026-12-01T09:00:00.000Z',
};

/** An instance as its stream says it is now, with its tasks from the inbox. */
export function instanceView(s: InstanceState, tasks: TaskRow[] | undefined) {
  const c = s.current;
  return {
    id: s.instanceId,
    definitionId: s.definitionId,
    version: s.version,
    status: s.status,
    outcome: s.outcome,
    initiatedBy: s.initiatedBy,
    data: s.data,
    dataVersion: s.dataVersion,
    current: c ? { stepId: c.stepId, kind: c.kind, taskId: c.taskId, dueAt: c.dueAt, action: c.action ? { name: c.action.name, status: c.action.status, attempts: c.action.attempts } : null } : null,
    failure: s.failure,
    ...(tasks ? { tasks } : {}),
  };
}
