import { DomainError, registerErrorStatus } from '@maple/platform';

export type ComplianceErrorCode =
  | 'COMPLIANCE.RECORD_NOT_FOUND'
  | 'COMPLIANCE.RECORD_ALREADY_EXISTS'
  | 'COMPLIANCE.DATA_INVALID'
  | 'COMPLIANCE.METADATA_INVALID'
  | 'COMPLIANCE.CORRECTED_RECORD_UNKNOWN'
  | 'COMPLIANCE.TYPE_INVALID'
  | 'COMPLIANCE.SELF_REVIEW'
  | 'COMPLIANCE.SECOND_APPROVAL_REQUIRED_BY_OTHER_OFFICER'
  | 'COMPLIANCE.REVIEWER_NOT_ALLOWED'
  | 'COMPLIANCE.TRANSITION_NOT_ALLOWED'
  | 'COMPLIANCE.RETENTION_NOT_EXPIRED';

registerErrorStatus('COMPLIANCE.SECOND_APPROVAL_REQUIRED_BY_OTHER_OFFICER', 403);
registerErrorStatus('COMPLIANCE.TRANSITION_NOT_ALLOWED', 409);
registerErrorStatus('COMPLIANCE.RETENTION_NOT_EXPIRED', 409);
registerErrorStatus('COMPLIANCE.METADATA_INVALID', 400);
// The body names a record that is not there (or not the company's): the request is well-formed
// but cannot be processed.
registerErrorStatus('COMPLIANCE.CORRECTED_RECORD_UNKNOWN', 422);

export class ComplianceError extends DomainError {
  constructor(code: ComplianceErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
