import type { DomainEvent, Role } from '@maple/platform';

export type SignInFailureReason = 'BAD_PASSWORD' | 'LOCKED' | 'USER_INACTIVE' | 'COMPANY_INACTIVE';

// The argon2id hash travels in the events that set it so the User table can be rebuilt;
// it is a one-way hash, and audit views must not display it.
export type UserRegistered = DomainEvent<'UserRegistered', { userId: string; email: string; name: string | null; role: Role; companyId: string | null; passwordHash: string }>;
export type UserRoleChanged = DomainEvent<'UserRoleChanged', { userId: string; from: Role; to: Role }>;
export type UserDeactivated = DomainEvent<'UserDeactivated', { userId: string }>;
export type UserReactivated = DomainEvent<'UserReactivated', { userId: string }>;
export type PasswordChanged = DomainEvent<'PasswordChanged', { userId: string; passwordHash: string }>;
export type UserSignedIn = DomainEvent<'UserSignedIn', { userId: string; at: string }>;
export type SignInFailed = DomainEvent<'SignInFailed', { userId: string; reason: SignInFailureReason; failedAttempts: number }>;
export type UserLockedOut = DomainEvent<'UserLockedOut', { userId: string; until: string; failedAttempts: number }>;
export type RefreshTokenReuseDetected = DomainEvent<'RefreshTokenReuseDetected', { userId: string; familyId: string }>;

export type UserEvent =
  | UserRegistered
  | UserRoleChanged
  | UserDeactivated
  | UserReactivated
  | PasswordChanged
  | UserSignedIn
  | SignInFailed
  | UserLockedOut
  | RefreshTokenReuseDetected;

export const USER_EVENT_TYPES: UserEvent['type'][] = [
  'UserRegistered',
  'UserRoleChanged',
  'UserDeactivated',
  'UserReactivated',
  'PasswordChanged',
  'UserSignedIn',
  'SignInFailed',
  'UserLockedOut',
  'RefreshTokenReuseDetected',
];
