import { DomainError } from '@maple/platform';

export type TenancyErrorCode = 'TENANCY.COMPANY_NOT_FOUND' | 'TENANCY.COMPANY_ALREADY_EXISTS' | 'TENANCY.COMPANY_INVALID' | 'TENANCY.TRANSITION_NOT_ALLOWED';

/** Every refusal of the tenancy context. */
export class TenancyError extends DomainError {
  constructor(code: TenancyErrorCode, message: string) {
    super(code, message);
  }
}
