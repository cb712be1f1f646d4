import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { userDecider } from './user.decider';
import type { UserStreamEvent } from './user.decider';

const at = new Date('2026-11-25T09:00:00Z');
const meta = (over: Partial<CommandMeta> = {}): CommandMeta => ({ commandId: 'c1', now: at, actorId: 'admin-1', companyId: 'acme', correlationId: 'r1', ...over });
const ann = { userId: 'u1', email: 'ann@acme.test', name: 'Ann', role: 'USER' as const, companyId: 'acme' };
const registered: UserStreamEvent = { type: 'UserRegistered', data: ann };

describe('user decider', () => {
  it('registers a user once, with no credential in the event', () => {
    given(userDecider).when({ type: 'RegisterUser', ...ann, meta: meta() }).then([registered]);
    given(userDecider, [registered]).when({ type: 'RegisterUser', ...ann, meta: meta() }).thenThrows('IDENTITY.USER_ALREADY_EXISTS');
  });

  it("changes a role within the admin's own company only", () => {
    given(userDecider, [registered]).when({ type: 'ChangeUserRole', role: 'VIEWER', meta: meta() }).then([{ type: 'UserRoleChanged', data: { userId: 'u1', from: 'USER', to: 'VIEWER' } }]);
    given(userDecider, [registered]).when({ type: 'ChangeUserRole', role: 'VIEWER', meta: meta({ companyId: 'other' }) }).thenThrows('IDENTITY.USER_NOT_FOUND');
  });

  it('does not let administrators demote or deactivate themselves', () => {
    given(userDecider, [registered]).when({ type: 'DeactivateUser', meta: meta({ actorId: 'u1' }) }).thenThrows('IDENTITY.SELF_CHANGE_NOT_ALLOWED');
  });

  it('deactivates and reactivates', () => {
    const deactivated: UserStreamEvent = { type: 'UserDeactivated', data: { userId: 'u1' } };
    given(userDecider, [registered]).when({ type: 'DeactivateUser', meta: meta() }).then([deactivated]);
    given(userDecider, [registered, deactivated]).when({ type: 'DeactivateUser', meta: meta() }).thenThrows('IDENTITY.TRANSITION_NOT_ALLOWED');
    given(userDecider, [registered, deactivated]).when({ type: 'ReactivateUser', meta: meta() }).then([{ type: 'UserReactivated', data: { userId: 'u1' } }]);
  });

  it('folds a stream written before sign-ins had their own stream: old sign-in events change nothing', () => {
    const legacy: UserStreamEvent[] = [
      registered,
      { type: 'SignInFailed', data: { userId: 'u1', reason: 'BAD_PASSWORD', failedAttempts: 1 } },
      { type: 'UserLockedOut', data: { userId: 'u1', until: at.toISOString(), failedAttempts: 10 } },
      { type: 'UserSignedIn', data: { userId: 'u1', at: at.toISOString() } },
      { type: 'PasswordChanged', data: { userId: 'u1' } },
    ];
    expect(given(userDecider, legacy).when({ type: 'ChangeUserRole', role: 'VIEWER', meta: meta() }).state()).toEqual({ exists: true, userId: 'u1', companyId: 'acme', role: 'VIEWER', active: true });
  });
});
