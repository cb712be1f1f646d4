import type { Command, Decider } from '@maple/platform';
import type { SignInEvent } from './sign-in.events';

export type LockoutPolicy = { threshold: number; durationMs: number };

/**
 * Where a user's sign-ins stand. Kept beside the credential (user_credentials) and read under
 * its row lock, so that concurrent attempts are decided one after the other; it is the fold of
 * the user's sign-in stream, except that a password change also clears it.
 */
export type SignInState = {
  /** Failed sign-ins since the last success or lockout. */
  failedAttempts: number;
  lockedUntil: string | null;
};

export type SignInCommand =
  // The handler verified the password (I/O) and read the account's and company's status under
  // the credential's lock; the decider rules on them.
  Command<'RecordSignInAttempt'> & { userId: string; passwordValid: boolean; userActive: boolean; companyActive: boolean; lockout: LockoutPolicy };

const initialState: SignInState = { failedAttempts: 0, lockedUntil: null };

function attempt(cmd: SignInCommand, s: SignInState): SignInEvent[] {
  const { userId } = cmd;
  const now = cmd.meta.now.getTime();
  // A locked account refuses even the right password until the lock ends.
  if (s.lockedUntil && Date.parse(s.lockedUntil) > now) {
    return [{ type: 'SignInFailed', data: { userId, reason: 'LOCKED', failedAttempts: s.failedAttempts } }];
  }
  if (!cmd.passwordValid) {
    const failedAttempts = s.failedAttempts + 1;
    const failed: SignInEvent = { type: 'SignInFailed', data: { userId, reason: 'BAD_PASSWORD', failedAttempts } };
    if (failedAttempts < cmd.lockout.threshold) return [failed];
    const until = new Date(now + cmd.lockout.durationMs).toISOString();
    return [failed, { type: 'UserLockedOut', data: { userId, until, failedAttempts } }];
  }
  // Only someone who knows the password learns that the account or company is disabled.
  if (!cmd.userActive) return [{ type: 'SignInFailed', data: { userId, reason: 'USER_INACTIVE', failedAttempts: s.failedAttempts } }];
  if (!cmd.companyActive) return [{ type: 'SignInFailed', data: { userId, reason: 'COMPANY_INACTIVE', failedAttempts: s.failedAttempts } }];
  return [{ type: 'UserSignedIn', data: { userId, at: cmd.meta.now.toISOString() } }];
}

/** Sign-in attempts and lockout. Every attempt yields an event: a success, or a failure with its reason. */
export const signInDecider: Decider<SignInCommand, SignInEvent, SignInState> = {
  initialState,
  decide(cmd, s) {
    switch (cmd.type) {
      case 'RecordSignInAttempt':
        return attempt(cmd, s);
      default: {
        const never: never = cmd.type;
        throw new Error(`unknown command ${String(never)}`);
      }
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'UserSignedIn':
        return initialState;
      case 'SignInFailed':
        return { ...s, failedAttempts: e.data.failedAttempts };
      case 'UserLockedOut':
        return { failedAttempts: 0, lockedUntil: e.data.until };
      case 'RefreshTokenReuseDetected':
        return s;
      default: {
        const never: never = e;
        return never;
      }
    }
  },
};
