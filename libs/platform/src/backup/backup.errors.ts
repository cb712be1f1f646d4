import { DomainError, registerErrorStatus } from '../http/problem';

export type BackupErrorCode =
  | 'BACKUP.KEY_MISSING'
  | 'BACKUP.KEY_MISMATCH'
  | 'BACKUP.FILE_DAMAGED'
  | 'BACKUP.FILE_UNREADABLE'
  | 'BACKUP.NOT_FOUND'
  | 'BACKUP.TOOL_MISSING'
  | 'BACKUP.DUMP_FAILED'
  | 'BACKUP.ENGINE_MISMATCH'
  | 'BACKUP.TARGET_NOT_EMPTY'
  | 'BACKUP.RESTORE_FAILED'
  | 'BACKUP.NOTHING_RESTORED';

// Backups are operator work (CLI and the scheduled job); the statuses matter if an admin route
// ever exposes them. A damaged or foreign file is the operator's input, not a server fault.
registerErrorStatus('BACKUP.KEY_MISSING', 500);
registerErrorStatus('BACKUP.KEY_MISMATCH', 422);
registerErrorStatus('BACKUP.FILE_DAMAGED', 422);
registerErrorStatus('BACKUP.FILE_UNREADABLE', 422);
registerErrorStatus('BACKUP.NOT_FOUND', 404);
registerErrorStatus('BACKUP.TOOL_MISSING', 500);
registerErrorStatus('BACKUP.DUMP_FAILED', 500);
registerErrorStatus('BACKUP.ENGINE_MISMATCH', 409);
registerErrorStatus('BACKUP.TARGET_NOT_EMPTY', 409);
registerErrorStatus('BACKUP.RESTORE_FAILED', 500);
registerErrorStatus('BACKUP.NOTHING_RESTORED', 409);

/** Backups' one error class; `code` is stable, the message is for the operator. */
export class BackupError extends DomainError {
  constructor(code: BackupErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.name = 'BackupError';
  }
}
