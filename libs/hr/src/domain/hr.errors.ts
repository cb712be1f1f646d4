import { DomainError, registerErrorStatus } from '@maple/platform';

export type HrErrorCode =
  | 'HR.RECORD_NOT_FOUND'
  | 'HR.SUBJECT_NOT_FOUND'
  | 'HR.DATA_INVALID'
  | 'HR.TRANSITION_NOT_ALLOWED'
  | 'HR.SELF_REVIEW'
  | 'HR.REVIEWER_NOT_ALLOWED'
  | 'HR.SECOND_APPROVAL_REQUIRED'
  | 'HR.ROLE_NOT_ALLOWED'
  | 'HR.LEGAL_HOLD'
  | 'HR.SUBJECT_ERASED'
  | 'HR.RETENTION_SETTINGS_NOT_IN_PLAN'
  | 'HR.BREAK_GLASS_REASON_REQUIRED'
  | 'HR.CURSOR_INVALID';

// Each code once, with its HTTP status.
registerErrorStatus('HR.RECORD_NOT_FOUND', 404);
registerErrorStatus('HR.SUBJECT_NOT_FOUND', 404);
registerErrorStatus('HR.DATA_INVALID', 400);
registerErrorStatus('HR.TRANSITION_NOT_ALLOWED', 409);
registerErrorStatus('HR.SELF_REVIEW', 403);
registerErrorStatus('HR.REVIEWER_NOT_ALLOWED', 403);
registerErrorStatus('HR.SECOND_APPROVAL_REQUIRED', 403);
registerErrorStatus('HR.ROLE_NOT_ALLOWED', 403);
registerErrorStatus('HR.LEGAL_HOLD', 409);
registerErrorStatus('HR.SUBJECT_ERASED', 410);
registerErrorStatus('HR.RETENTION_SETTINGS_NOT_IN_PLAN', 403);
registerErrorStatus('HR.BREAK_GLASS_REASON_REQUIRED', 400);
registerErrorStatus('HR.CURSOR_INVALID', 400);

/** Every refusal of the HR context. */
export class HrError extends DomainError {
  constructor(code: HrErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
