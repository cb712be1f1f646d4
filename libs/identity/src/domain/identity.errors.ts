import { DomainError, registerErrorStatus } from '@maple/platform';

export type IdentityErrorCode =
  | 'IDENTITY.INVALID_CREDENTIALS'
  | 'IDENTITY.ACCOUNT_LOCKED'
  | 'IDENTITY.ACCOUNT_DISABLED'
  | 'IDENTITY.USER_NOT_FOUND'
  | 'IDENTITY.USER_ALREADY_EXISTS'
  | 'IDENTITY.EMAIL_ALREADY_EXISTS'
  | 'IDENTITY.PASSWORD_INVALID'
  | 'IDENTITY.REFRESH_TOKEN_INVALID'
  | 'IDENTITY.SELF_CHANGE_NOT_ALLOWED'
  | 'IDENTITY.TRANSITION_NOT_ALLOWED'
  | 'IDENTITY.RATE_LIMITED';

// Codes whose status the suffix rules would not guess.
registerErrorStatus('IDENTITY.ACCOUNT_LOCKED', 423);
registerErrorStatus('IDENTITY.ACCOUNT_DISABLED', 403);
registerErrorStatus('IDENTITY.REFRESH_TOKEN_INVALID', 401);
registerErrorStatus('IDENTITY.TRANSITION_NOT_ALLOWED', 409);

/** Every refusal of the identity context. */
export class IdentityError extends DomainError {
  constructor(code: IdentityErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
