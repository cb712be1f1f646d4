import { DomainError, registerErrorStatus } from '@maple/platform';

export type AnalyticsErrorCode =
  | 'ANALYTICS.EVENT_INVALID'
  | 'ANALYTICS.BATCH_INVALID'
  | 'ANALYTICS.BATCH_TOO_LARGE'
  | 'ANALYTICS.QUERY_INVALID'
  | 'ANALYTICS.QUERY_TIMEOUT'
  | 'ANALYTICS.REPLICA_UNAVAILABLE'
  | 'ANALYTICS.SETTINGS_INVALID'
  | 'ANALYTICS.BATCH_NOT_FOUND'
  | 'ANALYTICS.EXPORT_NOT_FOUND'
  | 'ANALYTICS.EXPORT_NOT_READY';

// Each code once, with its HTTP status.
registerErrorStatus('ANALYTICS.EVENT_INVALID', 400);
registerErrorStatus('ANALYTICS.BATCH_INVALID', 400);
registerErrorStatus('ANALYTICS.BATCH_TOO_LARGE', 413);
registerErrorStatus('ANALYTICS.QUERY_INVALID', 400);
registerErrorStatus('ANALYTICS.QUERY_TIMEOUT', 503);
registerErrorStatus('ANALYTICS.REPLICA_UNAVAILABLE', 503);
registerErrorStatus('ANALYTICS.SETTINGS_INVALID', 400);
registerErrorStatus('ANALYTICS.BATCH_NOT_FOUND', 404);
registerErrorStatus('ANALYTICS.EXPORT_NOT_FOUND', 404);
registerErrorStatus('ANALYTICS.EXPORT_NOT_READY', 409);

/** Every refusal of the analytics context. */
export class AnalyticsError extends DomainError {
  constructor(code: AnalyticsErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
