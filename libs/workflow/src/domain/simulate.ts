import type { CommandMeta } from '@maple/platform';
import type { Definition } from './definition.types';
import { Advance, stepOf } from './engine';
import { evolve, initialInstance } from './instance.state';

export type SimulatedStep = { stepId: string; kind: string; branch?: number | null; outcome?: string };

const MAX_STEPS = 500;

/**
 * The path an instance would take on sample data, with every human step taking the decision
 * given for it (default: completed or approved), timers elapsed and actions succeeding.
 * Pure: it runs the same engine as instances, on a state that is never stored.
 */
export function simulate(definition: Definition, data: Record<string, unknown>, decisions: Record<string, 'approve' | 'reject'>, now: Date): { path: SimulatedStep[]; outcome: string | null; truncated: boolean } {
  const meta: CommandMeta = { commandId: 'simulation', now, actorId: 'simulation', companyId: null, correlationId: 'simulation' };
  const started = evolve(initialInstance, { type: 'WorkflowInstanceStarted', data: { instanceId: 'sim', companyId: 'sim', definitionId: 'sim', version: 0, definition, initiatedBy: 'simulation', trigger: null, data } });
  const a = new Advance(started, 'sim', meta).enter(definition.start);
  for (let i = 0; i < MAX_STEPS && a.state.status === 'running'; i++) {
    const c = a.state.current!;
    if (c.kind === 'task') a.finishStep(decisions[c.stepId] === 'reject' ? 'rejected' : 'done');
    else if (c.kind === 'approval') a.finishStep(decisions[c.stepId] === 'reject' ? 'rejected' : 'approved');
    else if (c.kind === 'timer') a.push({ type: 'WorkflowTimedOut', data: { stepId: c.stepId, visit: c.visit } }).enter((stepOf(definition, c.stepId) as { next: string }).next);
    else if (c.kind === 'action') a.push({ type: 'WorkflowActionSucceeded', data: { stepId: c.stepId, visit: c.visit, attempt: 1, result: {} } }).enter((stepOf(definition, c.stepId) as { next: string }).next);
    else break;
  }
  const path: SimulatedStep[] = [];
  for (const e of a.events) {
    if (e.type === 'WorkflowChoiceTaken') path.push({ stepId: e.data.stepId, kind: 'choice', branch: e.data.branch });
    else if (e.type === 'WorkflowTaskAssigned') path.push({ stepId: e.data.stepId, kind: e.data.kind });
    else if (e.type === 'WorkflowStepCompleted') path[path.length - 1].outcome = e.data.outcome;
    else if (e.type === 'WorkflowTimerArmed') path.push({ stepId: e.data.stepId, kind: 'timer' });
    else if (e.type === 'WorkflowActionRequested') path.push({ stepId: e.data.stepId, kind: 'action' });
    else if (e.type === 'WorkflowInstanceCompleted' && stepOf(definition, e.data.stepId).kind === 'end') path.push({ stepId: e.data.stepId, kind: 'end', outcome: e.data.outcome });
  }
  return { path, outcome: a.state.status === 'completed' ? a.state.outcome : null, truncated: a.state.status === 'running' };
}
