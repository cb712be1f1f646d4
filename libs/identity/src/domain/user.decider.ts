import type { Command, Decider, Role } from '@maple/platform';
import { IdentityError } from './identity.errors';
import type { UserEvent } from './user.events';

export type LockoutPolicy = { threshold: number; durationMs: number };

export type UserCommand =
  | (Command<'RegisterUser'> & { userId: string; email: string; name: string | null; role: Role; companyId: string | null; passwordHash: string })
  | (Command<'ChangeUserRole'> & { role: Role })
  | (Command<'DeactivateUser'>)
  | (Command<'ReactivateUser'>)
  | (Command<'ChangePassword'> & { passwordHash: string })
  // The handler verified the password (I/O) and looked up the company; the decider rules on it.
  | (Command<'RecordSignInAttempt'> & { passwordValid: boolean; companyActive: boolean; lockout: LockoutPolicy })
  | (Command<'ReportRefreshTokenReuse'> & { familyId: string });

export type UserState = {
  exists: boolean;
  userId: string | null;
  companyId: string | null;
  role: Role | null;
  active: boolean;
  /** Failed sign-ins since the last success or lockout. */
  failedAttempts: number;
  lockedUntil: string | null;
};

const initialState: UserState = { exists: false, userId: null, companyId: null, role: null, active: false, failedAttempts: 0, lockedUntil: null };

function mustExist(s: UserState, companyId: string | null): string {
  // Another company's user and a missing one are the same to the caller: not found.
  if (!s.exists || !s.userId || s.companyId !== companyId) throw new IdentityError('IDENTITY.USER_NOT_FOUND', 'No such user.');
  return s.userId;
}

function notSelf(s: UserState, actorId: string | null): void {
  // An administrator cannot lock themselves out of their own company by accident.
  if (s.userId === actorId) throw new IdentityError('IDENTITY.SELF_CHANGE_NOT_ALLOWED', 'You cannot change your own role or status.');
}

function signIn(cmd: Extract<UserCommand, { type: 'RecordSignInAttempt' }>, s: UserState, userId: string): UserEvent[] {
  const now = cmd.meta.now.getTime();
  if (s.lockedUntil && Date.parse(s.lockedUntil) > now) {
    return [{ type: 'SignInFailed', data: { userId, reason: 'LOCKED', failedAttempts: s.failedAttempts } }];
  }
  if (!cmd.passwordValid) {
    const failedAttempts = s.failedAttempts + 1;
    const failed: UserEvent = { type: 'SignInFailed', data: { userId, reason: 'BAD_PASSWORD', failedAttempts } };
    if (failedAttempts < cmd.lockout.threshold) return [failed];
    const until = new Date(now + cmd.lockout.durationMs).toISOString();
    return [failed, { type: 'UserLockedOut', data: { userId, until, failedAttempts } }];
  }
  // Only someone who knows the password learns that the account or company is disabled.
  if (!s.active) return [{ type: 'SignInFailed', data: { userId, reason: 'USER_INACTIVE', failedAttempts: s.failedAttempts } }];
  if (!cmd.companyActive) return [{ type: 'SignInFailed', data: { userId, reason: 'COMPANY_INACTIVE', failedAttempts: s.failedAttempts } }];
  return [{ type: 'UserSignedIn', data: { userId, at: cmd.meta.now.toISOString() } }];
}

/** Users of a company (or platform administrators, companyId null): membership, role, password, sign-in. */
export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState,
  decide(cmd, s) {
    switch (cmd.type) {
      case 'RegisterUser':
        if (s.exists) throw new IdentityError('IDENTITY.USER_ALREADY_EXISTS', `User ${cmd.userId} already exists.`);
        return [{ type: 'UserRegistered', data: { userId: cmd.userId, email: cmd.email, name: cmd.name, role: cmd.role, companyId: cmd.companyId, passwordHash: cmd.passwordHash } }];
      case 'ChangeUserRole': {
        const userId = mustExist(s, cmd.meta.companyId);
        notSelf(s, cmd.meta.actorId);
        if (s.role === cmd.role) return [];
        return [{ type: 'UserRoleChanged', data: { userId, from: s.role as Role, to: cmd.role } }];
      }
      case 'DeactivateUser': {
        const userId = mustExist(s, cmd.meta.companyId);
        notSelf(s, cmd.meta.actorId);
        if (!s.active) throw new IdentityError('IDENTITY.TRANSITION_NOT_ALLOWED', 'The user is already deactivated.');
        return [{ type: 'UserDeactivated', data: { userId } }];
      }
      case 'ReactivateUser': {
        const userId = mustExist(s, cmd.meta.companyId);
        if (s.active) throw new IdentityError('IDENTITY.TRANSITION_NOT_ALLOWED', 'The user is already active.');
        return [{ type: 'UserReactivated', data: { userId } }];
      }
      case 'ChangePassword':
        return [{ type: 'PasswordChanged', data: { userId: mustExist(s, cmd.meta.companyId), passwordHash: cmd.passwordHash } }];
      case 'RecordSignInAttempt':
        return signIn(cmd, s, mustExist(s, s.companyId));
      case 'ReportRefreshTokenReuse':
        return [{ type: 'RefreshTokenReuseDetected', data: { userId: mustExist(s, s.companyId), familyId: cmd.familyId } }];
      default: {
        const never: never = cmd;
        throw new Error(`unknown command ${(never as Command).type}`);
      }
    }
  },
  evolve(s, e) {
    switch (e.type) {
      case 'UserRegistered':
        return { ...initialState, exists: true, userId: e.data.userId, companyId: e.data.companyId, role: e.data.role, active: true };
      case 'UserRoleChanged':
        return { ...s, role: e.data.to };
      case 'UserDeactivated':
        return { ...s, active: false };
      case 'UserReactivated':
        return { ...s, active: true };
      case 'PasswordChanged':
        // A new password ends a lockout: the owner proved who they are another way.
        return { ...s, failedAttempts: 0, lockedUntil: null };
      case 'UserSignedIn':
        return { ...s, failedAttempts: 0, lockedUntil: null };
      case 'SignInFailed':
        return { ...s, failedAttempts: e.data.failedAttempts };
      case 'UserLockedOut':
        return { ...s, failedAttempts: 0, lockedUntil: e.data.until };
      case 'RefreshTokenReuseDetected':
        return s;
      default: {
        const never: never = e;
        return never;
      }
    }
  },
};
