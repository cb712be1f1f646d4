import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { signInDecider } from './sign-in.decider';
import type { SignInCommand } from './sign-in.decider';
import type { SignInEvent } from './sign-in.events';

const at = new Date('2026-11-25T09:00:00Z');
const meta = (now = at): CommandMeta => ({ commandId: 'c1', now, actorId: 'u1', companyId: 'acme', correlationId: 'r1' });
const lockout = { threshold: 3, durationMs: 60_000 };
const attempt = (passwordValid: boolean, over: Partial<SignInCommand> = {}): SignInCommand => ({
  type: 'RecordSignInAttempt',
  userId: 'u1',
  passwordValid,
  userActive: true,
  companyActive: true,
  lockout,
  meta: meta(),
  ...over,
});
const failed = (n: number, reason: 'BAD_PASSWORD' | 'LOCKED' = 'BAD_PASSWORD'): SignInEvent => ({ type: 'SignInFailed', data: { userId: 'u1', reason, failedAttempts: n } });
const locked: SignInEvent = { type: 'UserLockedOut', data: { userId: 'u1', until: new Date(at.getTime() + 60_000).toISOString(), failedAttempts: 3 } };

describe('sign-in decider', () => {
  it('signs in with the right password', () => {
    given(signInDecider).when(attempt(true)).then([{ type: 'UserSignedIn', data: { userId: 'u1', at: at.toISOString() } }]);
  });

  it('records every wrong password as a failure, and locks the account at the threshold', () => {
    given(signInDecider).when(attempt(false)).then([failed(1)]);
    given(signInDecider, [failed(1), failed(2)]).when(attempt(false)).then([failed(3), locked]);
  });

  it('refuses even the right password while locked, and lets it in after the lockout', () => {
    given(signInDecider, [failed(1), failed(2), failed(3), locked]).when(attempt(true)).then([failed(0, 'LOCKED')]);
    given(signInDecider, [locked]).when(attempt(true, { meta: meta(new Date(at.getTime() + 61_000)) })).then([{ type: 'UserSignedIn', data: { userId: 'u1', at: new Date(at.getTime() + 61_000).toISOString() } }]);
  });

  it('does not count failures against a locked account (the lock does not grow)', () => {
    const state = given(signInDecider, [locked]).when(attempt(false)).state();
    expect(state).toEqual({ failedAttempts: 0, lockedUntil: locked.data.until });
  });

  it('a success resets the failure count', () => {
    expect(given(signInDecider, [failed(1), failed(2)]).when(attempt(true)).state()).toEqual({ failedAttempts: 0, lockedUntil: null });
  });

  it("refuses a deactivated user or a deactivated company's user who knows the password, without counting a failure", () => {
    given(signInDecider, [failed(1)]).when(attempt(true, { userActive: false })).then([{ type: 'SignInFailed', data: { userId: 'u1', reason: 'USER_INACTIVE', failedAttempts: 1 } }]);
    given(signInDecider).when(attempt(true, { companyActive: false })).then([{ type: 'SignInFailed', data: { userId: 'u1', reason: 'COMPANY_INACTIVE', failedAttempts: 0 } }]);
  });

  it('a wrong password for a deactivated account is a bad password: the status stays secret', () => {
    given(signInDecider).when(attempt(false, { userActive: false, companyActive: false })).then([failed(1)]);
  });
});
