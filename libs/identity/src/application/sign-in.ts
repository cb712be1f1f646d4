import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner } from '@maple/platform';
import type { AppConfig, CommandMeta, StoredEvent, StreamRef } from '@maple/platform';
import { signInDecider } from '../domain/sign-in.decider';
import type { SignInCommand } from '../domain/sign-in.decider';
import { refreshTokenReuseDetected, signInStreamId } from '../domain/sign-in.events';
import type { SignInFailed, SignInFailureReason } from '../domain/sign-in.events';
import { Credentials } from './credentials';
import { RefreshTokens } from './refresh-tokens';
import type { IssuedSession, TokenOwner } from './refresh-tokens';

export type SignInOutcome = { kind: 'signed-in'; session: IssuedSession } | { kind: 'refused'; reason: SignInFailureReason };

/** The password check done before the transaction (argon2 is slow: no lock is held during it). */
export type VerifiedPassword = { againstHash: string | null; valid: boolean };

const signInStream = (owner: TokenOwner): StreamRef => ({ id: signInStreamId(owner.userId), type: 'SignIn', companyId: owner.companyId });

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
      if (!credential) return { kind: 'refused', reason: 'BAD_PASSWORD' };
      const { status } = credential;
      // A hash replaced since it was verified (a password change) no longer admits anyone.
      const passwordValid = password.valid && password.againstHash === credential.passwordHash;
      const command: SignInCommand = {
        type: 'RecordSignInAttempt',
        userId: owner.userId,
        passwordValid,
        userActive: status.userActive,
        companyActive: status.companyActive,
        lockout: { threshold: this.config.auth.lockoutThreshold, durationMs: this.config.auth.lockoutMs },
        meta: { ...meta, actorId: owner.userId, companyId: owner.companyId },
      };
      const decided = signInDecider.decide(command, credential.signIn);
      await this.credentials.saveSignInIn(tx, owner.userId, decided.reduce(signInDecider.evolve, credential.signIn));
      const stored = await append(decided);
      const signedIn = stored.find((e) => e.type === 'UserSignedIn');
      if (!signedIn) return { kind: 'refused', reason: reasonOf(stored) };
      // The append holds the company's chain lock to the commit. The session's row is refused
      // by the database if the account or company was deactivated since the status was read (a
      // serialization failure: the runner decides again), so the chain never shows a sign-in
      // after a deactivation.
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
