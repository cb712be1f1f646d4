import { DomainError, registerErrorStatus } from '@maple/platform';

export type AuditErrorCode =
  | 'AUDIT.ENTITY_NOT_FOUND'
  | 'AUDIT.CURSOR_INVALID'
  | 'AUDIT.QUERY_INVALID'
  | 'AUDIT.FORBIDDEN'
  | 'AUDIT.CHAIN_EMPTY'
  | 'AUDIT.CHECKPOINT_NOT_FOUND'
  | 'AUDIT.RETENTION_REFUSED';

// Refusing to drop young audit rows is a compliance rule, not a client mistake.
registerErrorStatus('AUDIT.RETENTION_REFUSED', 409);
registerErrorStatus('AUDIT.CHAIN_EMPTY', 404);

/** The audit context's one error class; `code` is stable, the message is for people. */
export class AuditError extends DomainError {
  constructor(code: AuditErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.name = 'AuditError';
  }
}
