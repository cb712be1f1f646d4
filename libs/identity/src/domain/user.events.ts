import type { DomainEvent, Role } from '@maple/platform';

// Credentials never enter an event: the password hash lives in user_credentials, written in the
// same transaction as the event. Schema version 1 of UserRegistered and PasswordChanged carried
// `passwordHash`; stored events are never edited, so user.upcasters.ts drops it on read.
export type UserRegistered = DomainEvent<'UserRegistered', { userId: string; email: string; name: string | null; role: Role; companyId: string | null }>;
export type UserRoleChanged = DomainEvent<'UserRoleChanged', { userId: string; from: Role; to: Role }>;
export type UserDeactivated = DomainEvent<'UserDeactivated', { userId: string }>;
export type UserReactivated = DomainEvent<'UserReactivated', { userId: string }>;
export type PasswordChanged = DomainEvent<'PasswordChanged', { userId: string }>;

export type UserEvent = UserRegistered | UserRoleChanged | UserDeactivated | UserReactivated | PasswordChanged;

export const USER_EVENT_TYPES: UserEvent['type'][] = ['UserRegistered', 'UserRoleChanged', 'UserDeactivated', 'UserReactivated', 'PasswordChanged'];

/** The signed-in user set a new password (the hash itself is in user_credentials). */
export function passwordChanged(userId: string): PasswordChanged {
  return { type: 'PasswordChanged', data: { userId } };
}
