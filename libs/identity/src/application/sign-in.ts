import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner, ConcurrencyConflictError } from '@maple/platform';
import type { AppConfig, CommandMeta, StoredEvent, StreamRef } from '@maple/platform';
import { signInDecider } from '../domain/sign-in.decider';
import type { SignInCommand } from '../domain/sign-in.decider';
import { refreshTokenReuseDetected, signInStreamId } from '../domain/sign-in.events';
import type { SignInFailed, SignInFailureReason } from '../domain/sign-in.events';
import { Credentials } from './credentials';
import type { AccountStatus } from './credentials';
import { RefreshTokens } from './refresh-tokens';
import type { IssuedSession, TokenOwner } from './refresh-tokens';

export type SignInOutcome = { kind: 'signed-in'; session: IssuedSession } | { kind: 'refused'; reason: SignInFailureReason };

/** The password check done before the transaction (argon2 is slow: no lock is held during it). */
export type VerifiedPassword = { againstHash: string | null; valid: boolean };

const signInStream = (owner: TokenOwner): StreamRef => ({ id: signInStreamId(owner.userId), type: 'SignIn', companyId: owner.companyId });

const sameStatus = (a: AccountStatus | null, b: AccountStatus | null) =>
  a !== null && b !== null && a.role === b.role && a.userActive === b.userActive && a.companyActive === b.companyActive;

/**
 * Records sign-in attempts on the user's sign-in stream and decides them from the state beside
 * the credential, under its row lock. The outcome is the decision itself; tokens exist only for
 * a UserSignedIn stored in the same transaction (and the database checks that too).
 */
@Injectable()
export class SignIn {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Credentials) private readonly credentials: Credentials,
    @Inject(RefreshTokens) private readonly refresh: RefreshTokens,
  ) {}

  attempt(owner: TokenOwner, password: VerifiedPassword, meta: CommandMeta): Promise<SignInOutcome> {
    const stream = signInStream(owner);
    return this.runner.within(stream, { ...meta, actorId: owner.userId, companyId: owner.companyId }, async (tx, append): Promise<SignInOutcome> => {
      const credential = await this.credentials.lockIn(tx, owner.userId);
      const status = await this.credentials.statusIn(tx, owner.userId);
      if (!credential || !status) return { kind: 'refused', reason: 'BAD_PASSWORD' };
      const command: SignInCommand = {
        type: 'RecordSignInAttempt',
        userId: owner.userId,
        // A hash replaced since it was verified (a password change) no longer admits anyone.
        passwordValid: password.valid && password.againstHash === credential.passwordHash,
        userActive: status.userActive,
        companyActive: status.companyActive,
        lockout: { threshold: this.config.auth.lockoutThreshold, durationMs: this.config.auth.lockoutMs },
        meta: { ...meta, actorId: owner.userId, companyId: owner.companyId },
      };
      const decided = signInDecider.decide(command, credential.signIn);
      await this.credentials.saveSignInIn(tx, owner.userId, decided.reduce(signInDecider.evolve, credential.signIn));
      const stored = await append(decided);
      // The append holds the company's chain lock now: a deactivation or role change of this
      // user is either visible from here or waits for this commit. If one slipped in since the
      // status was read, decide again, so that the chain never shows a sign-in after it.
      if (!sameStatus(await this.credentials.statusIn(tx, owner.userId), status)) throw new ConcurrencyConflictError(stream.id, 'any', null);
      const signedIn = stored.find((e) => e.type === 'UserSignedIn');
      if (!signedIn) return { kind: 'refused', reason: reasonOf(stored) };
      return { kind: 'signed-in', session: await this.refresh.startIn(tx, { ...owner, role: status.role }, signedIn) };
    });
  }

  /** A rotated refresh token came back (its family is already revoked): the audit log shows it. */
  async recordTokenReuse(owner: TokenOwner, familyId: string, meta: CommandMeta): Promise<void> {
    await this.runner.append(signInStream(owner), [refreshTokenReuseDetected(owner.userId, familyId)], { ...meta, actorId: owner.userId, companyId: owner.companyId });
  }
}

// Anything but a recorded success is a refusal; without a recorded reason, the plainest one.
function reasonOf(stored: readonly StoredEvent[]): SignInFailureReason {
  const failed = stored.find((e): e is StoredEvent<SignInFailed['data']> => e.type === 'SignInFailed');
  return failed?.data.reason ?? 'BAD_PASSWORD';
}
