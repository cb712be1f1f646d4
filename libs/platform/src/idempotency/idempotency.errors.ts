import { DomainError, registerErrorStatus } from '../http/problem';

export type IdempotencyErrorCode = 'IDEMPOTENCY.KEY_INVALID' | 'IDEMPOTENCY.KEY_REUSED' | 'IDEMPOTENCY.IN_PROGRESS' | 'IDEMPOTENCY.RESPONSE_LOST';

registerErrorStatus('IDEMPOTENCY.KEY_INVALID', 400);
registerErrorStatus('IDEMPOTENCY.KEY_REUSED', 422);
registerErrorStatus('IDEMPOTENCY.IN_PROGRESS', 409);
registerErrorStatus('IDEMPOTENCY.RESPONSE_LOST', 409);

/** Every refusal of the idempotency layer (see README, "Idempotency"). */
export class IdempotencyError extends DomainError {
  constructor(code: IdempotencyErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
