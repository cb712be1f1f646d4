import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { userDecider } from './user.decider';
import type { UserEvent } from './user.events';

const at = new Date('2026-11-25T09:00:00Z');
const meta = (over: Partial<CommandMeta> = {}): CommandMeta => ({ commandId: 'c1', now: at, actorId: 'admin-1', companyId: 'acme', correlationId: 'r1', ...over });
const ann = { userId: 'u1', email: 'ann@acme.test', name: 'Ann', role: 'USER' as const, companyId: 'acme', passwordHash: '$argon2id$x' };
const registered: UserEvent = { type: 'UserRegistered', data: ann };
const lockout = { threshold: 3, durationMs: 60_000 };
const attempt = (passwordValid: boolean, companyActive = true, now = at) => ({ type: 'RecordSignInAttempt' as const, passwordValid, companyActive, lockout, meta: meta({ now, actorId: null }) });
const failed = (n: number): UserEvent => ({ type: 'SignInFailed', data: { userId: 'u1', reason: 'BAD_PASSWORD', failedAttempts: n } });

describe('user decider', () => {
  it('registers a user once', () => {
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
    const deactivated: UserEvent = { type: 'UserDeactivated', data: { userId: 'u1' } };
    given(userDecider, [registered]).when({ type: 'DeactivateUser', meta: meta() }).then([deactivated]);
    given(userDecider, [registered, deactivated]).when({ type: 'DeactivateUser', meta: meta() }).thenThrows('IDENTITY.TRANSITION_NOT_ALLOWED');
    given(userDecider, [registered, deactivated]).when({ type: 'ReactivateUser', meta: meta() }).then([{ type: 'UserReactivated', data: { userId: 'u1' } }]);
  });

  it('signs in with the right password', () => {
    given(userDecider, [registered]).when(attempt(true)).then([{ type: 'UserSignedIn', data: { userId: 'u1', at: at.toISOString() } }]);
  });

  it('counts failures and locks the account at the threshold', () => {
    given(userDecider, [registered]).when(attempt(false)).then([failed(1)]);
    given(userDecider, [registered, failed(1), failed(2)])
      .when(attempt(false))
      .then([failed(3), { type: 'UserLockedOut', data: { userId: 'u1', until: new Date(at.getTime() + 60_000).toISOString(), failedAttempts: 3 } }]);
  });

  it('refuses even the right password while locked, and lets it in after the lockout', () => {
    const locked: UserEvent = { type: 'UserLockedOut', data: { userId: 'u1', until: new Date(at.getTime() + 60_000).toISOString(), failedAttempts: 3 } };
    given(userDecider, [registered, locked]).when(attempt(true)).then([{ type: 'SignInFailed', data: { userId: 'u1', reason: 'LOCKED', failedAttempts: 0 } }]);
    given(userDecider, [registered, locked]).when(attempt(true, true, new Date(at.getTime() + 61_000))).then([{ type: 'UserSignedIn', data: { userId: 'u1', at: new Date(at.getTime() + 61_000).toISOString() } }]);
  });

  it('a success resets the failure count', () => {
    const state = given(userDecider, [registered, failed(1), failed(2)]).when(attempt(true)).state();
    expect(state.failedAttempts).toBe(0);
  });

  it("refuses a deactivated user or a deactivated company's user who knows the password", () => {
    given(userDecider, [registered, { type: 'UserDeactivated', data: { userId: 'u1' } }]).when(attempt(true)).then([{ type: 'SignInFailed', data: { userId: 'u1', reason: 'USER_INACTIVE', failedAttempts: 0 } }]);
    given(userDecider, [registered]).when(attempt(true, false)).then([{ type: 'SignInFailed', data: { userId: 'u1', reason: 'COMPANY_INACTIVE', failedAttempts: 0 } }]);
  });
});
