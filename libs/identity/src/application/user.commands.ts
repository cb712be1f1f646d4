import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandRunner } from '@maple/platform';
import type { CommandMeta, Principal, Role, StoredEvent, StreamRef } from '@maple/platform';
import { IdentityError } from '../domain/identity.errors';
import { assertPasswordAcceptable } from '../domain/password-policy';
import { userDecider } from '../domain/user.decider';
import type { UserCommand, UserState } from '../domain/user.decider';
import { passwordChanged } from '../domain/user.events';
import { userStreamId } from '../projections/user.projection';
import { Credentials } from './credentials';
import { hashPassword } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';

type Without<C> = C extends unknown ? Omit<C, 'meta'> : never;

export type NewUser = { email: string; name: string | null; role: Role; companyId: string | null; password: string };

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string; cause?: unknown };
  return err?.code === '23505' || /unique|duplicate key/i.test(err?.message ?? '') || (err?.cause !== undefined && isUniqueViolation(err.cause));
}

const userStream = (userId: string, companyId: string | null): StreamRef => ({ id: userStreamId(userId), type: 'User', companyId });

/** Thin shells around the user decider; credentials are written beside the events, never in them. */
@Injectable()
export class UserCommands {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Credentials) private readonly credentials: Credentials,
    @Inject(RefreshTokens) private readonly refresh: RefreshTokens,
  ) {}

  /** Runs a command on a user's stream, which belongs to `companyId` (null: platform administrators). */
  run(userId: string, companyId: string | null, command: Without<UserCommand>, meta: CommandMeta): Promise<{ state: UserState; events: StoredEvent[] }> {
    return this.runner.run(userDecider, userStream(userId, companyId), { ...command, meta } as UserCommand);
  }

  async register(input: NewUser, meta: CommandMeta, userId: string = randomUUID()): Promise<{ id: string }> {
    const email = input.email.trim();
    assertPasswordAcceptable(input.password, email);
    if (await this.credentials.byEmail(email)) throw new IdentityError('IDENTITY.EMAIL_ALREADY_EXISTS', 'A user with this e-mail already exists.');
    const passwordHash = await hashPassword(input.password);
    try {
      await this.runner.run(
        userDecider,
        userStream(userId, input.companyId),
        { type: 'RegisterUser', userId, email, name: input.name, role: input.role, companyId: input.companyId, meta: { ...meta, companyId: input.companyId } },
        // The hash commits with UserRegistered, or neither does.
        { alongside: (tx, { events }) => (events.length ? this.credentials.insertIn(tx, { userId, companyId: input.companyId, passwordHash }) : Promise.resolve()) },
      );
    } catch (e) {
      // Two registrations racing for one address: the lower(email) index lets one through.
      if (isUniqueViolation(e)) throw new IdentityError('IDENTITY.EMAIL_ALREADY_EXISTS', 'A user with this e-mail already exists.');
      throw e;
    }
    return { id: userId };
  }

  /**
   * Sets the signed-in user's new password: the hash they proved they know is swapped for the
   * new one under the credential's row lock (a password changed meanwhile refuses), the event
   * says that it changed, and every session ends, all in one transaction. Returns the sessions ended.
   */
  changePassword(who: Principal, verifiedHash: string, nextHash: string, meta: CommandMeta): Promise<number> {
    return this.runner.within(userStream(who.userId, who.companyId), meta, async (tx, append) => {
      if (!(await this.credentials.replaceHashIn(tx, who.userId, verifiedHash, nextHash))) throw new IdentityError('IDENTITY.INVALID_CREDENTIALS', 'E-mail or password is wrong.');
      await append([passwordChanged(who.userId)]);
      return this.refresh.revokeAllIn(tx, who.userId, 'password-changed');
    });
  }

  changeRole(userId: string, role: Role, meta: CommandMeta) {
    return this.run(userId, meta.companyId, { type: 'ChangeUserRole', role }, meta);
  }

  deactivate(userId: string, meta: CommandMeta) {
    return this.run(userId, meta.companyId, { type: 'DeactivateUser' }, meta);
  }

  reactivate(userId: string, meta: CommandMeta) {
    return this.run(userId, meta.companyId, { type: 'ReactivateUser' }, meta);
  }
}
