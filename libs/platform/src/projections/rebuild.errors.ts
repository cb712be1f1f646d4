import { DomainError, registerErrorStatus } from '../http/problem';

export type RebuildErrorCode =
  | 'REBUILD.PROJECTION_NOT_FOUND'
  | 'REBUILD.NO_TABLES'
  | 'REBUILD.MIXED_MODES'
  | 'REBUILD.TABLE_NOT_FOUND'
  | 'REBUILD.TABLES_IN_SEVERAL_SCHEMAS'
  | 'REBUILD.IN_PROGRESS'
  | 'REBUILD.ABANDONED'
  | 'REBUILD.DEFINITION_CHANGED'
  | 'REBUILD.DEFINITION_UNREADABLE'
  | 'REBUILD.LOCKS_UNAVAILABLE'
  | 'REBUILD.DEPENDENT_OBJECTS'
  | 'REBUILD.HORIZON_HELD'
  | 'REBUILD.ALREADY_RECORDED'
  | 'REBUILD.EVENT_FAILED';

registerErrorStatus('REBUILD.PROJECTION_NOT_FOUND', 404);
registerErrorStatus('REBUILD.NO_TABLES', 422);
registerErrorStatus('REBUILD.MIXED_MODES', 422);
registerErrorStatus('REBUILD.TABLE_NOT_FOUND', 422);
registerErrorStatus('REBUILD.TABLES_IN_SEVERAL_SCHEMAS', 422);
registerErrorStatus('REBUILD.IN_PROGRESS', 409);
registerErrorStatus('REBUILD.ABANDONED', 409);
registerErrorStatus('REBUILD.DEFINITION_CHANGED', 409);
registerErrorStatus('REBUILD.DEFINITION_UNREADABLE', 422);
registerErrorStatus('REBUILD.LOCKS_UNAVAILABLE', 503);
registerErrorStatus('REBUILD.DEPENDENT_OBJECTS', 409);
registerErrorStatus('REBUILD.HORIZON_HELD', 503);
registerErrorStatus('REBUILD.ALREADY_RECORDED', 409);
registerErrorStatus('REBUILD.EVENT_FAILED', 422);

/** Why a read-model rebuild was refused or stopped; the live tables are then untouched. */
export class RebuildError extends DomainError {
  constructor(code: RebuildErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
