import { DomainError, registerErrorStatus } from '@maple/platform';

export type BillingErrorCode =
  | 'BILLING.SEAT_LIMIT_REACHED'
  | 'BILLING.FEATURE_NOT_IN_PLAN'
  | 'BILLING.SUBSCRIPTION_SUSPENDED'
  | 'BILLING.SUBSCRIPTION_NOT_FOUND'
  | 'BILLING.SUBSCRIPTION_ALREADY_EXISTS'
  | 'BILLING.DOWNGRADE_OVER_LIMIT'
  | 'BILLING.TRANSITION_NOT_ALLOWED'
  | 'BILLING.PRICE_INVALID'
  | 'BILLING.FEATURES_INVALID'
  | 'BILLING.RATE_LIMITED';

// Codes whose status the suffix rules would not guess.
registerErrorStatus('BILLING.SEAT_LIMIT_REACHED', 409);
registerErrorStatus('BILLING.FEATURE_NOT_IN_PLAN', 403);
registerErrorStatus('BILLING.SUBSCRIPTION_SUSPENDED', 403);
registerErrorStatus('BILLING.DOWNGRADE_OVER_LIMIT', 409);
registerErrorStatus('BILLING.TRANSITION_NOT_ALLOWED', 409);
registerErrorStatus('BILLING.RATE_LIMITED', 429);

/** Every refusal of the billing context, with a code clients can switch on. */
export class BillingError extends DomainError {
  constructor(code: BillingErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
