import { DomainError, registerErrorStatus } from '../http/problem';

export type PrivacyErrorCode =
  | 'PRIVACY.SUBJECT_ERASED'
  | 'PRIVACY.PURPOSE_REQUIRED'
  | 'PRIVACY.KEK_UNKNOWN'
  | 'PRIVACY.KEY_UNREADABLE'
  | 'PRIVACY.CIPHERTEXT_MISPLACED'
  | 'PRIVACY.SEALED_INPUT_FORBIDDEN'
  | 'PRIVACY.NO_COMPANY'
  | 'PRIVACY.SUBJECT_INVALID'
  | 'PRIVACY.ACCESS_LOG_MISSING';

// Each code once, with its HTTP status.
registerErrorStatus('PRIVACY.SUBJECT_ERASED', 410);
registerErrorStatus('PRIVACY.PURPOSE_REQUIRED', 400);
registerErrorStatus('PRIVACY.KEK_UNKNOWN', 500);
registerErrorStatus('PRIVACY.KEY_UNREADABLE', 500);
registerErrorStatus('PRIVACY.CIPHERTEXT_MISPLACED', 422);
registerErrorStatus('PRIVACY.SEALED_INPUT_FORBIDDEN', 400);
registerErrorStatus('PRIVACY.NO_COMPANY', 500);
registerErrorStatus('PRIVACY.SUBJECT_INVALID', 500);
registerErrorStatus('PRIVACY.ACCESS_LOG_MISSING', 500);

export class PrivacyError extends DomainError {
  constructor(code: PrivacyErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
