import { DomainError, registerErrorStatus } from '@maple/platform';

export type WorkflowErrorCode =
  | 'WORKFLOW.DEFINITION_INVALID'
  | 'WORKFLOW.DEFINITION_NOT_FOUND'
  | 'WORKFLOW.DEFINITION_INACTIVE'
  | 'WORKFLOW.INSTANCE_NOT_FOUND'
  | 'WORKFLOW.TASK_NOT_FOUND'
  | 'WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU'
  | 'WORKFLOW.TASK_ALREADY_CLAIMED'
  | 'WORKFLOW.WRONG_STEP_KIND'
  | 'WORKFLOW.FORM_INVALID'
  | 'WORKFLOW.FOUR_EYES'
  | 'WORKFLOW.ALREADY_DECIDED'
  | 'WORKFLOW.STALE_DATA'
  | 'WORKFLOW.DELEGATE_INVALID'
  | 'WORKFLOW.INSTANCE_NOT_RUNNING'
  | 'WORKFLOW.NOT_FAILED'
  | 'WORKFLOW.NOT_ALLOWED';

// Each code once, with its HTTP status.
registerErrorStatus('WORKFLOW.DEFINITION_INVALID', 400);
registerErrorStatus('WORKFLOW.DEFINITION_NOT_FOUND', 404);
registerErrorStatus('WORKFLOW.DEFINITION_INACTIVE', 409);
registerErrorStatus('WORKFLOW.INSTANCE_NOT_FOUND', 404);
registerErrorStatus('WORKFLOW.TASK_NOT_FOUND', 404);
registerErrorStatus('WORKFLOW.TASK_NOT_ASSIGNED_TO_YOU', 403);
registerErrorStatus('WORKFLOW.TASK_ALREADY_CLAIMED', 409);
registerErrorStatus('WORKFLOW.WRONG_STEP_KIND', 409);
registerErrorStatus('WORKFLOW.FORM_INVALID', 400);
registerErrorStatus('WORKFLOW.FOUR_EYES', 403);
registerErrorStatus('WORKFLOW.ALREADY_DECIDED', 409);
registerErrorStatus('WORKFLOW.STALE_DATA', 409);
registerErrorStatus('WORKFLOW.DELEGATE_INVALID', 400);
registerErrorStatus('WORKFLOW.INSTANCE_NOT_RUNNING', 409);
registerErrorStatus('WORKFLOW.NOT_FAILED', 409);
registerErrorStatus('WORKFLOW.NOT_ALLOWED', 403);

/** Every refusal of the workflow context. */
export class WorkflowError extends DomainError {
  constructor(code: WorkflowErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
