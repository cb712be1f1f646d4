import type { Command, Decider, Role } from '@maple/platform';
import { IdentityError } from './identity.errors';
import type { SignInEvent } from './sign-in.events';
import type { UserEvent } from './user.events';

export type UserCommand =
  | (Command<'RegisterUser'> & { userId: string; email: string; name: string | null; role: Role; companyId: string | null })
  | (Command<'ChangeUserRole'> & { role: Role })
  | (Command<'DeactivateUser'>)
  | (Command<'ReactivateUser'>);

/**
 * What a user stream can hold: the user's own events and, on streams written before sign-in
 * attempts got their own stream (migration 20261201030000), sign-in events, which no longer
 * bear on the user.
 */
export type UserStreamEvent = UserEvent | SignInEvent;

export type UserState = {
  exists: boolean;
  userId: string | null;
  companyId: string | null;
  role: Role | null;
  active: boolean;
};

const initialState: UserState = { exists: false, userId: null, companyId: null, role: null, active: false };

function mustExist(s: UserState, companyId: string | null): string {
  // Another company's user and a missing one are the same to the caller: not found.
  if (!s.exists || !s.userId || s.companyId !== companyId) throw new IdentityError('IDENTITY.USER_NOT_FOUND', 'No such user.');
  return s.userId;
}

function notSelf(s: UserState, actorId: string | null): void {
  // An administrator cannot lock themselves out of their own company by accident.
  if (s.userId === actorId) throw new IdentityError('IDENTITY.SELF_CHANGE_NOT_ALLOWED', 'You cannot change your own role or status.');
}

/**
 * Users of a company (or platform administrators, companyId null): membership, role, status.
 * Passwords and sign-ins are decided beside the credential (sign-in.decider.ts, user_credentials).
 */
export const userDecider: Decider<UserCommand, UserStreamEvent, UserState> = {
  initialState,
  decide(cmd, s) {
    switch (cmd.type) {
      case 'RegisterUser':
        if (s.exists) throw new IdentityError('IDENTITY.USER_ALREADY_EXISTS', `User ${cmd.userId} already exists.`);
        return [{ type: 'UserRegistered', data: { userId: cmd.userId, email: cmd.email, name: cmd.name, role: cmd.role, companyId: cmd.companyId } }];
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
      case 'UserSignedIn':
      case 'SignInFailed':
      case 'UserLockedOut':
      case 'RefreshTokenReuseDetected':
        return s;
      default: {
        const never: never = e;
        return never;
      }
    }
  },
};
