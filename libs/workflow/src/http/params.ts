import { WorkflowError } from '../domain/workflow.errors';

// Ids are uuids (tasks: a uuid and a visit number); anything else names nothing.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TASK = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.\d{1,9}$/i;

export function definitionIdParam(id: string): string {
  if (!UUID.test(id)) throw new WorkflowError('WORKFLOW.DEFINITION_NOT_FOUND', 'No such workflow definition.');
  return id;
}

export function instanceIdParam(id: string): string {
  if (!UUID.test(id)) throw new WorkflowError('WORKFLOW.INSTANCE_NOT_FOUND', 'No such workflow instance.');
  return id;
}

export function taskIdParam(id: string): string {
  if (!TASK.test(id)) throw new WorkflowError('WORKFLOW.TASK_NOT_FOUND', 'No such task.');
  return id;
}
