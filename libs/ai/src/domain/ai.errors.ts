import { DomainError, registerErrorStatus } from '@maple/platform';

export type AiErrorCode =
  | 'AI.MODEL_NOT_FOUND'
  | 'AI.VERSION_NOT_FOUND'
  | 'AI.PREDICTION_NOT_FOUND'
  | 'AI.INPUT_INVALID'
  | 'AI.MODEL_EXISTS'
  | 'AI.VERSION_EXISTS'
  | 'AI.VERSION_IMMUTABLE'
  | 'AI.TRANSITION_NOT_ALLOWED'
  | 'AI.VALIDATION_BELOW_THRESHOLD'
  | 'AI.MODEL_CARD_REQUIRED'
  | 'AI.SELF_APPROVAL'
  | 'AI.SECOND_APPROVER_REQUIRED'
  | 'AI.VERSION_NOT_APPROVED'
  | 'AI.VERSION_NOT_DEPLOYED'
  | 'AI.MODEL_STOPPED'
  | 'AI.GLOBAL_MODEL_READ_ONLY'
  | 'AI.BUILTIN_CHANGED';

// Each code once, with its HTTP status.
registerErrorStatus('AI.MODEL_NOT_FOUND', 404);
registerErrorStatus('AI.VERSION_NOT_FOUND', 404);
registerErrorStatus('AI.PREDICTION_NOT_FOUND', 404);
registerErrorStatus('AI.INPUT_INVALID', 400);
registerErrorStatus('AI.MODEL_EXISTS', 409);
registerErrorStatus('AI.VERSION_EXISTS', 409);
registerErrorStatus('AI.VERSION_IMMUTABLE', 409);
registerErrorStatus('AI.TRANSITION_NOT_ALLOWED', 409);
registerErrorStatus('AI.VALIDATION_BELOW_THRESHOLD', 422);
registerErrorStatus('AI.MODEL_CARD_REQUIRED', 422);
registerErrorStatus('AI.SELF_APPROVAL', 403);
registerErrorStatus('AI.SECOND_APPROVER_REQUIRED', 403);
registerErrorStatus('AI.VERSION_NOT_APPROVED', 409);
registerErrorStatus('AI.VERSION_NOT_DEPLOYED', 409);
registerErrorStatus('AI.MODEL_STOPPED', 423);
registerErrorStatus('AI.GLOBAL_MODEL_READ_ONLY', 403);
registerErrorStatus('AI.BUILTIN_CHANGED', 500);

/** Every refusal of the AI context. */
export class AiError extends DomainError {
  constructor(code: AiErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
