import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import type { Definition } from './definition.types';
import { instanceDecider as d } from './instance.decider';
import type { InstanceCommand } from './instance.decider';
import type { WorkflowInstanceEvent } from './instance.events';

const now = new Date('2026-12-01T10:00:00Z');
const meta = (actorId: string): CommandMeta => ({ commandId: 'c', now, actorId, companyId: 'co', correlationId: 'r' });
const def: Definition = {
  name: 'Spend',
  type: 'approval',
  start: 'route',
  steps: [
    { id: 'route', kind: 'choice', branches: [{ when: { '>': [{ var: 'amount' }, 1000] }, next: 'sign' }], otherwise: 'done' },
    { id: 'sign', kind: 'approval', assignees: { users: ['ann', 'bob', 'cat'] }, complete: { quorum: 2 }, sla: { due: 'PT4H', onBreach: { notify: true } }, next: 'done' },
    { id: 'done', kind: 'end', outcome: 'approved' },
  ],
};
const startCmd = (amount: number): InstanceCommand => ({ type: 'StartInstance', instanceId: 'i1', companyId: 'co', definitionId: 'd1', version: 1, definition: def, trigger: null, data: { amount }, meta: meta('ann') });
const started = (amount: number): WorkflowInstanceEvent => ({ type: 'WorkflowInstanceStarted', data: { instanceId: 'i1', companyId: 'co', definitionId: 'd1', version: 1, definition: def, initiatedBy: 'ann', trigger: null, data: { amount } } });
const choseSign: WorkflowInstanceEvent = { type: 'WorkflowChoiceTaken', data: { stepId: 'route', visit: 1, branch: 0, next: 'sign' } };
const assigned: WorkflowInstanceEvent = { type: 'WorkflowTaskAssigned', data: { taskId: 'i1.2', stepId: 'sign', visit: 2, kind: 'approval', assignee: { role: null, user: null }, users: ['bob', 'cat'], rule: { quorum: 2 }, needed: 2, dueAt: '2026-12-01T14:00:00.000Z' } };
const decide = (actor: string, decision: 'approve' | 'reject' = 'approve'): InstanceCommand => ({ type: 'DecideApproval', taskId: 'i1.2', actorRole: 'USER', decision, comment: null, seenDataVersion: 0, meta: meta(actor) });

describe('workflow instance decider', () => {
  it('records the branch a choice takes, and assigns the approval without the initiator (four-eyes)', () => {
    given(d).when(startCmd(5000)).then([started(5000), choseSign, assigned]);
    given(d).when(startCmd(10)).then([started(10), { type: 'WorkflowChoiceTaken', data: { stepId: 'route', visit: 1, branch: null, next: 'done' } }, { type: 'WorkflowInstanceCompleted', data: { stepId: 'done', visit: 2, outcome: 'approved' } }]);
  });

  it('never evaluates a choice again on replay: the recorded branch stands whatever the data says', () => {
    // History says the choice went to `sign` although the data (amount 10) would not: replay follows the event.
    given(d, [started(10), choseSign, assigned]).when(decide('bob')).then([{ type: 'WorkflowApprovalGiven', data: { taskId: 'i1.2', stepId: 'sign', by: 'bob', role: 'USER', comment: null, seenDataVersion: 0, approvals: 1, needed: 2 } }]);
  });

  it('refuses the initiator, a second decision by the same person, and people outside the pool', () => {
    const history = [started(5000), choseSign, assigned];
    given(d, history).when(decide('ann')).thenThrows('WORKFLOW.FOUR_EYES');
    given(d, history).when(decide('eve')).thenThrows('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU');
    const bob: WorkflowInstanceEvent = { type: 'WorkflowApprovalGiven', data: { taskId: 'i1.2', stepId: 'sign', by: 'bob', role: 'USER', comment: null, seenDataVersion: 0, approvals: 1, needed: 2 } };
    given(d, [...history, bob]).when(decide('bob')).thenThrows('WORKFLOW.ALREADY_DECIDED');
  });

  it('rejects a quorum step once the quorum is out of reach', () => {
    given(d, [started(5000), choseSign, assigned])
      .when(decide('bob', 'reject'))
      .then([
        { type: 'WorkflowApprovalRejected', data: { taskId: 'i1.2', stepId: 'sign', by: 'bob', role: 'USER', comment: null, seenDataVersion: 0, auto: false } },
        { type: 'WorkflowStepCompleted', data: { stepId: 'sign', visit: 2, taskId: 'i1.2', outcome: 'rejected', next: null } },
        { type: 'WorkflowInstanceCompleted', data: { stepId: 'sign', visit: 2, outcome: 'rejected' } },
      ]);
  });

  it('ignores a timer for a step visit the instance has left, and escalates an SLA once', () => {
    const history = [started(5000), choseSign, assigned];
    const escalated: WorkflowInstanceEvent = { type: 'WorkflowTaskEscalated', data: { taskId: 'i1.2', stepId: 'sign', visit: 2, action: 'notify', toRole: null, dueAt: '2026-12-01T14:00:00.000Z' } };
    given(d, history).when({ type: 'FireTimer', stepId: 'sign', visit: 2, kind: 'sla', meta: meta('system') }).then([escalated]);
    given(d, [...history, escalated]).when({ type: 'FireTimer', stepId: 'sign', visit: 2, kind: 'sla', meta: meta('system') }).then([]);
    given(d, history).when({ type: 'FireTimer', stepId: 'sign', visit: 1, kind: 'sla', meta: meta('system') }).then([]);
  });
});
