import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, WindowCounter } from '@maple/platform';
import type { AppConfig, CommandMeta, Principal } from '@maple/platform';
import { IdentityError } from '../domain/identity.errors';
import { assertPasswordAcceptable } from '../domain/password-policy';
import type { SignInFailureReason } from '../domain/sign-in.events';
import { AccessTokens } from './access-tokens';
import { Credentials } from './credentials';
import { hashPassword, verifyPassword } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';
import { SignIn } from './sign-in';
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
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(UserQueries) private readonly users: UserQueries,
    @Inject(UserCommands) private readonly commands: UserCommands,
    @Inject(Credentials) private readonly credentials: Credentials,
    @Inject(SignIn) private readonly signIn: SignIn,
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
    const account = await this.credentials.byEmail(email);
    const valid = await verifyPassword(account?.passwordHash ?? null, password);
    if (!account) {
      this.ipFailures.hit(ip);
      throw invalid();
    }
    // Every attempt on a real account is recorded (the audit log shows sign-ins, failures,
    // lockouts), and the answer is the recorded decision: tokens only for a recorded success.
    const outcome = await this.signIn.attempt({ userId: account.userId, companyId: account.companyId }, { againstHash: account.passwordHash, valid }, meta);
    if (outcome.kind === 'refused') {
      if (!valid || outcome.reason === 'BAD_PASSWORD') this.ipFailures.hit(ip);
      throw REFUSALS[outcome.reason]();
    }
    const { accessToken, expiresIn } = this.access.sign(outcome.session.owner);
    return { accessToken, refreshToken: outcome.session.refreshToken, tokenType: 'Bearer', expiresIn };
  }

  async refreshTokens(refreshToken: string, meta: CommandMeta): Promise<TokenPair> {
    const outcome = await this.refresh.rotate(refreshToken);
    if (outcome.kind === 'reused') await this.signIn.recordTokenReuse(outcome.owner, outcome.familyId, meta);
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
    const hash = await this.credentials.hashOf(who.userId, who.companyId);
    if (!hash || !(await verifyPassword(hash, current))) throw invalid();
    const email = (await this.users.get({ allCompanies: true }, who.userId)).email;
    assertPasswordAcceptable(next, email);
    // Whoever held a session under the old password loses it, in the same transaction.
    return { revokedSessions: await this.commands.changePassword(who, hash, await hashPassword(next), meta) };
  }
}
