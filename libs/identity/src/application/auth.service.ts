import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, WindowCounter } from '@maple/platform';
import type { AppConfig, CommandMeta, Principal } from '@maple/platform';
import { IdentityError } from '../domain/identity.errors';
import { assertPasswordAcceptable } from '../domain/password-policy';
import type { SignInFailureReason } from '../domain/user.events';
import { AccessTokens } from './access-tokens';
import { hashPassword, verifyPassword } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';
import { UserCommands } from './user.commands';
import { UserQueries } from './user.queries';

export type TokenPair = { accessToken: string; refreshToken: string; tokenType: 'Bearer'; expiresIn: number };

const invalid = () => new IdentityError('IDENTITY.INVALID_CREDENTIALS', 'E-mail or password is wrong.');

const REFUSALS: Record<SignInFailureReason, () => IdentityError> = {
  BAD_PASSWORD: invalid,
  LOCKED: () => new IdentityError('IDENTITY.ACCOUNT_LOCKED', 'Too many failed sign-ins: the account is locked for a while.'),
  USER_INACTIVE: () => new IdentityError('IDENTITY.ACCOUNT_DISABLED', 'This account is deactivated.'),
  COMPANY_INACTIVE: () => new IdentityError('IDENTITY.ACCOUNT_DISABLED', "This account's company is deactivated."),
};

/** Sign-in, token refresh, sign-out and password change. */
@Injectable()
export class AuthService {
  // Failed sign-ins per client ip: slows password spraying across many accounts.
  private readonly ipFailures: WindowCounter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UserQueries) private readonly users: UserQueries,
    @Inject(UserCommands) private readonly commands: UserCommands,
    @Inject(AccessTokens) private readonly access: AccessTokens,
    @Inject(RefreshTokens) private readonly refresh: RefreshTokens,
  ) {
    this.ipFailures = new WindowCounter(config.auth.ipFailureLimit, config.auth.ipFailureWindowMs);
  }

  async login(email: string, password: string, meta: CommandMeta): Promise<TokenPair> {
    const ip = meta.ip ?? 'unknown';
    if (this.ipFailures.blocked(ip)) {
      throw new IdentityError('IDENTITY.RATE_LIMITED', 'Too many failed sign-ins from this address; try again later.', { retryAfterSeconds: this.ipFailures.retryAfterSec(ip) });
    }
    const account = await this.users.credentialsByEmail(email);
    const passwordValid = await verifyPassword(account?.password ?? null, password);
    if (!account) {
      this.ipFailures.hit(ip);
      throw invalid();
    }
    // Every attempt on a real account is an event: the audit log shows sign-ins, failures, lockouts.
    const { events } = await this.commands.run(
      account.id,
      account.companyId,
      { type: 'RecordSignInAttempt', passwordValid, companyActive: account.companyId === null || account.companyActive === true, lockout: this.commands.lockoutPolicy() },
      { ...meta, actorId: account.id, companyId: account.companyId },
    );
    const failure = events.find((e) => e.type === 'SignInFailed');
    if (failure) {
      if (!passwordValid) this.ipFailures.hit(ip);
      throw REFUSALS[(failure.data as { reason: SignInFailureReason }).reason]();
    }
    return this.issue({ userId: account.id, companyId: account.companyId, role: account.role });
  }

  private async issue(who: { userId: string; companyId: string | null; role: Principal['role'] }): Promise<TokenPair> {
    const { token } = await this.refresh.issue(who);
    const { accessToken, expiresIn } = this.access.sign(who);
    return { accessToken, refreshToken: token, tokenType: 'Bearer', expiresIn };
  }

  async refreshTokens(refreshToken: string, meta: CommandMeta): Promise<TokenPair> {
    const outcome = await this.refresh.rotate(refreshToken);
    if (outcome.kind === 'reused') {
      // The family is already revoked (committed); the event puts the theft signal in the audit log.
      await this.commands.run(outcome.owner.userId, outcome.owner.companyId, { type: 'ReportRefreshTokenReuse', familyId: outcome.familyId }, { ...meta, actorId: outcome.owner.userId, companyId: outcome.owner.companyId });
    }
    if (outcome.kind !== 'rotated') throw new IdentityError('IDENTITY.REFRESH_TOKEN_INVALID', 'The refresh token is invalid, expired or revoked.');
    // The role is read fresh, so a role change takes effect at the next refresh.
    const { accessToken, expiresIn } = this.access.sign(outcome.owner);
    return { accessToken, refreshToken: outcome.token, tokenType: 'Bearer', expiresIn };
  }

  async logout(who: Principal, refreshToken: string | undefined): Promise<{ revoked: number }> {
    const revoked = refreshToken ? await this.refresh.revokeFamilyOf(refreshToken, who.userId) : await this.refresh.revokeAllOf(who.userId, 'logout');
    return { revoked };
  }

  async changePassword(who: Principal, current: string, next: string, meta: CommandMeta): Promise<{ revokedSessions: number }> {
    const account = await this.users.credentialsById(who.userId);
    if (!account || !(await verifyPassword(account.password, current))) throw invalid();
    const email = (await this.users.get({ allCompanies: true }, who.userId)).email;
    assertPasswordAcceptable(next, email);
    await this.commands.run(who.userId, who.companyId, { type: 'ChangePassword', passwordHash: await hashPassword(next) }, meta);
    // Whoever held a session under the old password loses it.
    return { revokedSessions: await this.refresh.revokeAllOf(who.userId, 'password-changed') };
  }
}
