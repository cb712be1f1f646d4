import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { WorkflowDefinitionEvent } from '../domain/definition.events';
import { DEFINITION_EVENT_TYPES } from '../domain/definition.events';
import type { WorkflowInstanceEvent } from '../domain/instance.events';
import { INSTANCE_EVENT_TYPES } from '../domain/instance.events';

export const definitionStreamId = (id: string) => `workflow-definition-${id}`;
export const instanceStreamId = (id: string) => `workflow-instance-${id}`;
const idOf = (streamId: string) => streamId.replace(/^workflow-(definition|instance)-/, '');

// Inline: the inbox and the instance are read right after a decision. Every statement names
// the company, and each is idempotent for its rows (rebuilds replay them).
async function applyDefinition(tx: Tx, stored: StoredEvent, e: WorkflowDefinitionEvent): Promise<void> {
  const id = idOf(stored.streamId);
  switch (e.type) {
    case 'WorkflowDefinitionPublished': {
      const d = e.data.definition;
      await tx.execute(
        `INSERT INTO "workflow_definition_versions" (company_id, definition_id, version, definition, published_by, published_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6) ON CONFLICT DO NOTHING`,
        stored.companyId, id, e.data.version, JSON.stringify(d), e.data.publishedBy, stored.recordedAt,
      );
      await tx.execute(
        `INSERT INTO "Workflow" (id, name, description, type, steps, "isActive", "companyId", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5::jsonb, true, $6, $7, $7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, type = excluded.type, steps = excluded.steps, "isActive" = true, "updatedAt" = excluded."updatedAt"`,
        id, d.name, d.description ?? null, d.type, JSON.stringify({ version: e.data.version, ...d }), stored.companyId, stored.recordedAt,
      );
      return;
    }
    case 'WorkflowDefinitionDeactivated':
      await tx.execute(`UPDATE "Workflow" SET "isActive" = false, "updatedAt" = $3 WHERE id = $1 AND "companyId" = $2`, id, stored.companyId, stored.recordedAt);
      return;
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

async function applyInstance(tx: Tx, stored: StoredEvent, e: WorkflowInstanceEvent): Promise<void> {
  const id = idOf(stored.streamId);
  const c = stored.companyId;
  const at = stored.recordedAt;
  const instance = (set: string, ...params: unknown[]) => tx.execute(`UPDATE "workflow_instances" SET ${set}, updated_at = $3 WHERE company_id = $1 AND instance_id = $2`, c, id, at, ...params);
  const task = (taskId: string, set: string, ...params: unknown[]) => tx.execute(`UPDATE "workflow_tasks" SET ${set}, updated_at = $3 WHERE company_id = $1 AND task_id = $2`, c, taskId, at, ...params);
  switch (e.type) {
    case 'WorkflowInstanceStarted': {
      const d = e.data;
      await tx.execute(
        `INSERT INTO "workflow_instances" (company_id, instance_id, definition_id, version, status, current_step, initiated_by, trigger, data_version, started_at, updated_at)
         VALUES ($1, $2, $3, $4, 'running', $5, $6, $7::jsonb, 0, $8, $8) ON CONFLICT DO NOTHING`,
        c, id, d.definitionId, d.version, d.definition.start, d.initiatedBy, JSON.stringify(d.trigger), at,
      );
      return;
    }
    case 'WorkflowTaskAssigned': {
      const d = e.data;
      await tx.execute(
        `INSERT INTO "workflow_tasks" (company_id, task_id, instance_id, definition_id, step_id, kind, status, assignee_role, assignee_user, eligible_users, due_at, created_at, updated_at)
         SELECT $1, $2, $3, i.definition_id, $4, $5, 'open', $6, $7, $8::jsonb, $9, $10, $10 FROM "workflow_instances" i WHERE i.company_id = $1 AND i.instance_id = $3
         ON CONFLICT DO NOTHING`,
        c, d.taskId, id, d.stepId, d.kind, d.assignee.role, d.assignee.user, d.users ? JSON.stringify(d.users) : null, d.dueAt, at,
      );
      await instance(`current_step = $4, wake_at = NULL`, d.stepId);
      return;
    }
    case 'WorkflowTaskClaimed':
      await task(e.data.taskId, `claimed_by = $4`, e.data.by);
      return;
    case 'WorkflowTaskDelegated':
      await task(e.data.taskId, `claimed_by = $4, assignee_user = $4, assignee_role = NULL, delegated_from = coalesce(delegated_from, $5::jsonb)`, e.data.to, JSON.stringify(e.data.from));
      return;
    case 'WorkflowTaskCompleted':
      await instance(`data_version = $4`, e.data.dataVersion);
      await task(e.data.taskId, `decisions = decisions || $4::jsonb`, JSON.stringify([{ by: e.data.by, decision: 'completed', comment: e.data.comment, seenDataVersion: e.data.seenDataVersion, at }]));
      return;
    case 'WorkflowApprovalGiven':
      await task(e.data.taskId, `decisions = decisions || $4::jsonb`, JSON.stringify([{ by: e.data.by, decision: 'approved', comment: e.data.comment, seenDataVersion: e.data.seenDataVersion, at }]));
      return;
    case 'WorkflowApprovalRejected':
      await task(e.data.taskId, `decisions = decisions || $4::jsonb`, JSON.stringify([{ by: e.data.by, decision: 'rejected', comment: e.data.comment, seenDataVersion: e.data.seenDataVersion, at }]));
      return;
    case 'WorkflowStepCompleted':
      if (e.data.taskId) await task(e.data.taskId, `status = 'done', outcome = $4`, e.data.outcome);
      return;
    case 'WorkflowTaskEscalated':
      await task(e.data.taskId, e.data.action === 'reassign' ? `escalated = true, assignee_role = $4, assignee_user = NULL, claimed_by = NULL` : `escalated = true, assignee_role = coalesce($4, assignee_role)`, e.data.toRole);
      return;
    case 'WorkflowTimerArmed':
      await instance(`current_step = $4, wake_at = $5`, e.data.stepId, e.data.fireAt);
      return;
    case 'WorkflowChoiceTaken':
      await instance(`current_step = $4, wake_at = NULL`, e.data.stepId);
      return;
    case 'WorkflowActionRequested':
      await instance(`current_step = $4, wake_at = $3`, e.data.stepId);
      return;
    case 'WorkflowTimedOut':
    case 'WorkflowActionSucceeded':
      await instance(`wake_at = NULL`);
      return;
    case 'WorkflowActionFailed':
      await instance(`status = 'failed', failure = $4::jsonb, wake_at = NULL`, JSON.stringify({ stepId: e.data.stepId, attempt: e.data.attempt, ...e.data.error }));
      return;
    case 'WorkflowActionRetried':
      await instance(`status = 'running', failure = NULL, wake_at = $3`);
      return;
    case 'WorkflowInstanceCancelled':
      await instance(`status = 'cancelled', wake_at = NULL`);
      await tx.execute(`UPDATE "workflow_tasks" SET status = 'cancelled', updated_at = $3 WHERE company_id = $1 AND instance_id = $2 AND status = 'open'`, c, id, at);
      return;
    case 'WorkflowInstanceCompleted':
      await instance(`status = 'completed', outcome = $4, current_step = $5, wake_at = NULL`, e.data.outcome, e.data.stepId);
      return;
    default: {
      const unknown: never = e;
      return unknown;
    }
  }
}

export const workflowProjection: Projection = {
  name: 'workflow',
  handles: [...DEFINITION_EVENT_TYPES, ...INSTANCE_EVENT_TYPES],
  tables: ['Workflow', 'workflow_definition_versions', 'workflow_instances', 'workflow_tasks'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    if (stored.streamType === 'WorkflowDefinition') return applyDefinition(tx, stored, { type: stored.type, data: stored.data } as WorkflowDefinitionEvent);
    return applyInstance(tx, stored, { type: stored.type, data: stored.data } as WorkflowInstanceEvent);
  },
};
