import type { DomainEvent } from '@maple/platform';

export type SignInFailureReason = 'BAD_PASSWORD' | 'LOCKED' | 'USER_INACTIVE' | 'COMPANY_INACTIVE';

// Sign-in attempts and token theft signals: on the user's sign-in stream (`signin-<userId>`),
// not on the User aggregate, so that an unauthenticated flood cannot grow a stream that every
// later user command folds. Before migration 20261201030000 they were on `user-<id>`.
export type UserSignedIn = DomainEvent<'UserSignedIn', { userId: string; at: string }>;
export type SignInFailed = DomainEvent<'SignInFailed', { userId: string; reason: SignInFailureReason; failedAttempts: number }>;
export type UserLockedOut = DomainEvent<'UserLockedOut', { userId: string; until: string; failedAttempts: number }>;
export type RefreshTokenReuseDetected = DomainEvent<'RefreshTokenReuseDetected', { userId: string; familyId: string }>;

export type SignInEvent = UserSignedIn | SignInFailed | UserLockedOut | RefreshTokenReuseDetected;

export const SIGN_IN_EVENT_TYPES: SignInEvent['type'][] = ['UserSignedIn', 'SignInFailed', 'UserLockedOut', 'RefreshTokenReuseDetected'];

/** A user's sign-in stream; its events belong to the user's company (null for platform administrators). */
export const signInStreamId = (userId: string) => `signin-${userId}`;

/** A rotated refresh token came back: the family is revoked, and this puts the theft signal in the audit log. */
export function refreshTokenReuseDetected(userId: string, familyId: string): RefreshTokenReuseDetected {
  return { type: 'RefreshTokenReuseDetected', data: { userId, familyId } };
}
